"""Compliance rules for secrets, in process on a fake clock: secrets created through boto3, the
rules enabled and their results read through the operator API (through the kernel, as the
`stockade compliance` commands call it), a secret turning NON_COMPLIANT with time alone on the
scheduled evaluation, and a change reaching a queue as a "Config Rules Compliance Change" event.

RotateSecret is not served yet: `rotation_written` sets the rotation fields the way rotation
will, by writing the secret's record and its configuration item in one store transaction.
AWS facts: AWS Config developer guide, managed rules secretsmanager-rotation-enabled-check,
secretsmanager-scheduled-rotation-success-check and secretsmanager-secret-periodic-rotation;
monitor-config-with-cloudwatchevents (ComplianceChangeNotification on the default bus).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stockade.api.operator_channel import call, operator_facts, operator_for
from stockade.clock import FakeClock
from stockade.domain.configuration_item import RelatedEvent
from stockade.domain.secret_rules import (
    PERIODIC_ROTATION,
    ROTATION_ENABLED,
    SCHEDULED_ROTATION_SUCCESS,
)
from stockade.domain.secrets import RotationRules
from stockade.services.compliance.admin import ComplianceAdmin
from stockade.services.secretsmanager.configuration_items import record_item
from stockade.types import AccountId, RequestId
from stockade.wiring import discover_runtimes
from stockade.wiring.operator import operator_endpoint
from tests.control.test_own_events import Inbox
from tests.support.inprocess import InProcessServer

SECRET_TYPE = "AWS::SecretsManager::Secret"
VALUE = "hunter2-compliance-canary"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY_S = 86400.0


@pytest.fixture
def server(tmp_path: Any) -> Iterator[InProcessServer]:
    # One server per test: each moves its own clock.
    with InProcessServer(tmp_path / "data", clock=FakeClock(START)) as running:
        yield running


def operator(server: InProcessServer, operation: str, request: dict[str, Any]) -> Any:
    """An operator API call through the kernel, as the `stockade compliance` commands make."""
    built = server.built
    assert built is not None
    assert built.kernel is not None
    kernel = built.kernel
    body = json.dumps(request).encode()
    facts = operator_facts(RequestId(str(uuid.uuid4())), datetime.now(UTC))
    principal = operator_for(AccountId(server.account_id), os.geteuid())

    async def ask() -> Any:
        return await call(kernel, operator_endpoint(), principal, operation, body, facts)

    answered = server._call(ask)  # on the server's own loop
    assert answered.status == 200, answered.body
    return json.loads(answered.body)


def report(server: InProcessServer, arn: str) -> dict[str, tuple[str, str]]:
    rows = operator(server, "EvaluateCompliance", {})["Report"]
    return {r["rule"]: (r["compliance"], r["reason"]) for r in rows if r["resourceId"] == arn}


def changes(server: InProcessServer, arn: str) -> list[dict[str, Any]]:
    rows = operator(server, "ListComplianceChanges", {})["Changes"]
    return [r for r in rows if r["resourceId"] == arn]


def new_secret(server: InProcessServer) -> str:
    name = f"app/{uuid.uuid4().hex[:8]}"
    client = server.client("secretsmanager")
    return str(client.create_secret(Name=name, SecretString=VALUE)["ARN"])


def rotation_written(
    server: InProcessServer,
    arn: str,
    rules: RotationRules,
    last: datetime | None,
    next_rotation: datetime | None,
) -> None:
    """What a rotation will write: the secret's rotation fields and, in the same transaction,
    its configuration item (which evaluates the rules)."""
    built = server.built
    assert built is not None
    now = server.clock.now()
    with built.store.write() as tx:
        secret = tx.secrets.by_arn(arn)
        assert secret is not None
        rotated = replace(
            secret,
            rotation_enabled=True,
            rotation_lambda_arn=f"arn:aws:lambda:us-east-1:{server.account_id}:function:rotate",
            rotation_rules=rules,
            last_rotated=last,
            next_rotation=next_rotation,
            last_changed=now,
        )
        tx.secrets.put(rotated)
        event = RelatedEvent("RotateSecret", str(uuid.uuid4()))
        record_item(tx, "us-east-1", secret.account_id, arn, rotated, event, now)


def scheduled_evaluation(server: InProcessServer) -> int:
    """The evaluation the server runs at start and hourly, now (on the fake clock)."""
    built = server.built
    assert built is not None
    return ComplianceAdmin(built.store, server.clock, discover_runtimes()).evaluate_scheduled()


def test_rotation_enabled_check_follows_the_secret_s_rotation(server: InProcessServer) -> None:
    arn = new_secret(server)
    limit = {"maximumAllowedRotationFrequency": "30"}
    enabled = operator(server, "EnableComplianceRule", {"Rule": ROTATION_ENABLED,
                                                        "Parameters": limit})  # fmt: skip
    assert enabled["Rule"]["rule"] == ROTATION_ENABLED
    assert report(server, arn) == {
        ROTATION_ENABLED: ("NON_COMPLIANT", "rotation is not enabled")}  # fmt: skip
    row = next(r for r in operator(server, "EvaluateCompliance", {})["Report"]
               if r["resourceId"] == arn)  # fmt: skip
    assert row["resourceType"] == SECRET_TYPE
    assert "function" not in row  # a secret is no function

    rotation_written(server, arn, RotationRules(automatically_after_days=45), None, None)
    assert report(server, arn)[ROTATION_ENABLED][0] == "NON_COMPLIANT"  # 45 > 30 days
    rotation_written(server, arn, RotationRules(automatically_after_days=30), None, None)
    assert report(server, arn)[ROTATION_ENABLED] == (
        "COMPLIANT", "rotation is enabled, every 30 days")  # fmt: skip
    described = server.client("secretsmanager").describe_secret(SecretId=arn)
    assert described["RotationEnabled"] is True

    seen = changes(server, arn)
    assert [(c["before"], c["after"]) for c in seen] == [
        (None, "NON_COMPLIANT"), ("NON_COMPLIANT", "COMPLIANT")]  # fmt: skip
    assert seen[0]["eventName"] == "StockadeComplianceRuleEnabled"
    assert seen[1]["eventName"] == "RotateSecret"  # evaluated on the change itself
    assert VALUE not in json.dumps(operator(server, "ListComplianceChanges", {}))

    operator(server, "DisableComplianceRule", {"Rule": ROTATION_ENABLED})
    assert report(server, arn) == {}


def test_a_secret_becomes_overdue_with_time_alone(server: InProcessServer) -> None:
    arn = new_secret(server)
    operator(server, "EnableComplianceRule", {
        "Rule": PERIODIC_ROTATION, "Parameters": {"maxDaysSinceRotation": "30"}})  # fmt: skip
    operator(server, "EnableComplianceRule", {"Rule": SCHEDULED_ROTATION_SUCCESS})
    created = server.clock.now()
    assert report(server, arn) == {
        PERIODIC_ROTATION: ("COMPLIANT", "never rotated; within 30 days"),
        SCHEDULED_ROTATION_SUCCESS: (
            "NOT_APPLICABLE", "rotation is not enabled; no rotation is scheduled"),
    }  # fmt: skip
    # Rotated now, the next rotation due in 7 days (as rotation will record it).
    due = created + timedelta(days=7)
    rotation_written(server, arn, RotationRules(automatically_after_days=7), created, due)

    before = changes(server, arn)
    assert before[-1]["rule"] == SCHEDULED_ROTATION_SUCCESS
    assert (before[-1]["after"], before[-1]["eventName"]) == ("COMPLIANT", "RotateSecret")
    server.clock.advance(7 * DAY_S + 3600)  # due, the window still open (to the UTC day's end)
    scheduled_evaluation(server)
    assert changes(server, arn) == before

    server.clock.advance(1 * DAY_S)  # the window closed, no rotation: overdue without a change
    assert scheduled_evaluation(server) >= 1
    late = [c for c in changes(server, arn) if c["rule"] == SCHEDULED_ROTATION_SUCCESS]
    assert (late[-1]["before"], late[-1]["after"]) == ("COMPLIANT", "NON_COMPLIANT")
    assert late[-1]["eventName"] == "StockadeScheduledEvaluation"
    assert due.isoformat() in late[-1]["reason"]

    server.clock.advance(23 * DAY_S)  # 31 days since the last rotation
    scheduled_evaluation(server)
    periodic = [c for c in changes(server, arn) if c["rule"] == PERIODIC_ROTATION]
    assert [(c["before"], c["after"]) for c in periodic][-1] == ("COMPLIANT", "NON_COMPLIANT")
    assert periodic[-1]["eventName"] == "StockadeScheduledEvaluation"

    # A rotation brings it back, on the change itself.
    now = server.clock.now()
    rotation_written(server, arn, RotationRules(automatically_after_days=7), now,
                     now + timedelta(days=7))  # fmt: skip
    assert {rule: result[0] for rule, result in report(server, arn).items()} == {
        PERIODIC_ROTATION: "COMPLIANT", SCHEDULED_ROTATION_SUCCESS: "COMPLIANT"}  # fmt: skip


def test_a_deleted_secret_s_results_go(server: InProcessServer) -> None:
    arn = new_secret(server)
    operator(server, "EnableComplianceRule", {"Rule": ROTATION_ENABLED})
    assert ROTATION_ENABLED in report(server, arn)
    server.client("secretsmanager").delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    assert report(server, arn) == {}


def test_a_secret_s_compliance_change_reaches_a_queue_on_the_default_bus(
    server: InProcessServer,
) -> None:
    inbox = Inbox(server, {"source": ["aws.config"],
                           "detail-type": ["Config Rules Compliance Change"],
                           "detail": {"resourceType": [SECRET_TYPE]}})  # fmt: skip
    arn = new_secret(server)
    operator(server, "EnableComplianceRule", {"Rule": ROTATION_ENABLED})
    event = inbox.wait_for(lambda e: e["detail"]["resourceId"] == arn)
    assert event["source"] == "aws.config"
    assert event["account"] == server.account_id
    rule_arn = f"arn:aws:config:us-east-1:{server.account_id}:config-rule/{ROTATION_ENABLED}"
    assert event["resources"] == [rule_arn]
    detail = event["detail"]
    assert detail["configRuleName"] == ROTATION_ENABLED
    assert detail["resourceType"] == SECRET_TYPE
    assert detail["newEvaluationResult"]["complianceType"] == "NON_COMPLIANT"
    qualifier = detail["newEvaluationResult"]["evaluationResultIdentifier"][
        "evaluationResultQualifier"]  # fmt: skip
    assert qualifier == {"configRuleName": ROTATION_ENABLED, "resourceType": SECRET_TYPE,
                         "resourceId": arn}  # fmt: skip
    assert VALUE not in json.dumps(event)

    rotation_written(server, arn, RotationRules(automatically_after_days=30), None, None)
    back = inbox.wait_for(
        lambda e: (
            e["detail"]["resourceId"] == arn
            and e["detail"]["newEvaluationResult"]["complianceType"] == "COMPLIANT"
        )
    )
    assert back["detail"]["oldEvaluationResult"]["complianceType"] == "NON_COMPLIANT"
