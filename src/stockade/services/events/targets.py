"""Targets: PutTargets, RemoveTargets, ListTargetsByRule.

Only targets Stockade delivers to are accepted: Lambda functions
(`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`) and SQS queues
(`arn:aws:sqs:<region>:<account>:<queue>`); a dead-letter queue is an SQS queue. A request is
checked whole before anything is written: one refused target refuses the request, so the rule
never holds half of it. Input, InputPath and InputTransformer exclude each other, and a rule
holds at most 5 targets (EventBridge quotas), as EventBridge answers both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from stockade.domain.event_input import (
    TargetInputError,
    check_input_path,
    parse_input_transformer,
)
from stockade.domain.events import (
    TARGETS_PER_RULE_MAX,
    RuleTarget,
    TargetRetry,
    TargetTransformer,
)
from stockade.services.context import RequestContext
from stockade.services.events.errors import LimitExceededError, ValidationError
from stockade.services.events.lookup import existing_rule
from stockade.services.events.names import RuleRef, bus_ref
from stockade.shapes import events as shapes
from stockade.store.ports import Store

LAMBDA_TARGET = re.compile(
    r"arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?"
)
QUEUE_TARGET = re.compile(r"arn:aws:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?")
LIST_LIMIT_DEFAULT = 100
# Target parameters for kinds of target Stockade does not deliver to.
_OTHER_PARAMETERS = (
    "KinesisParameters", "RunCommandParameters", "EcsParameters", "BatchParameters",
    "HttpParameters", "RedshiftDataParameters", "SageMakerPipelineParameters",
    "AppSyncParameters",
)  # fmt: skip


def parse_target(given: Mapping[str, Any]) -> RuleTarget:
    """One target of a PutTargets request, checked: ValidationException when refused."""
    target_id, arn = given["Id"], given["Arn"]
    is_queue = QUEUE_TARGET.fullmatch(arn) is not None
    if LAMBDA_TARGET.fullmatch(arn) is None and not is_queue:
        raise ValidationError(
            f"Parameter {arn} is not valid for target {target_id}. Reason: only Lambda"
            " function and SQS queue targets are supported."
        )
    other = [name for name in _OTHER_PARAMETERS if name in given]
    if other or ("SqsParameters" in given and not is_queue):
        name = other[0] if other else "SqsParameters"
        raise ValidationError(f"Parameter {name} is not valid for target {target_id}.")
    inputs = [name for name in ("Input", "InputPath", "InputTransformer") if name in given]
    if len(inputs) > 1:
        raise ValidationError(
            "Only one of Input, InputPath, or InputTransformer must be provided for target"
            f" {target_id}."
        )
    text = given.get("Input")
    if text is not None:
        try:
            json.loads(text)
        except ValueError as exc:
            raise ValidationError(f"Input for target {target_id} is not valid JSON.") from exc
    transformer = _transformer(target_id, given)
    dead_letter = given.get("DeadLetterConfig", {}).get("Arn")
    if dead_letter is not None and QUEUE_TARGET.fullmatch(dead_letter) is None:
        raise ValidationError(
            f"Parameter DeadLetterConfig.Arn of target {target_id} is not valid. Reason: a"
            " dead-letter queue must be an SQS queue ARN."
        )
    retry = given.get("RetryPolicy")
    return RuleTarget(
        target_id, arn, given.get("RoleArn"), text, given.get("InputPath"), transformer,
        None if retry is None else TargetRetry(
            retry.get("MaximumRetryAttempts"), retry.get("MaximumEventAgeInSeconds")
        ),
        dead_letter, given.get("SqsParameters", {}).get("MessageGroupId"),
    )  # fmt: skip


def _transformer(target_id: str, given: Mapping[str, Any]) -> TargetTransformer | None:
    try:
        path = given.get("InputPath")
        if path is not None:
            check_input_path(path)
        raw = given.get("InputTransformer")
        if raw is None:
            return None
        paths = dict(raw.get("InputPathsMap", {}))
        parse_input_transformer(paths, raw["InputTemplate"])
    except TargetInputError as exc:
        raise ValidationError(exc.message) from exc
    return TargetTransformer(paths, raw["InputTemplate"])


def render_target(target: RuleTarget) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": target.target_id, "Arn": target.arn}
    optional: dict[str, Any] = {
        "RoleArn": target.role_arn,
        "Input": target.input,
        "InputPath": target.input_path,
    }
    if target.input_transformer is not None:
        transformer = target.input_transformer
        optional["InputTransformer"] = {"InputTemplate": transformer.template}
        if transformer.paths:
            optional["InputTransformer"]["InputPathsMap"] = dict(transformer.paths)
    if target.retry is not None:
        retry = {
            "MaximumRetryAttempts": target.retry.maximum_retry_attempts,
            "MaximumEventAgeInSeconds": target.retry.maximum_event_age_s,
        }
        optional["RetryPolicy"] = {k: v for k, v in retry.items() if v is not None}
    if target.dead_letter_arn is not None:
        optional["DeadLetterConfig"] = {"Arn": target.dead_letter_arn}
    if target.message_group_id is not None:
        optional["SqsParameters"] = {"MessageGroupId": target.message_group_id}
    out.update({key: value for key, value in optional.items() if value is not None})
    return out


class Targets:
    def __init__(self, store: Store, region: str) -> None:
        self._store = store
        self._region = region

    def _ref(self, ctx: RequestContext, bus: str | None, name: str) -> RuleRef:
        return RuleRef(bus_ref(self._region, ctx.principal.account_id, bus), name)

    def put_targets(
        self, ctx: RequestContext, request: shapes.PutTargetsRequest
    ) -> shapes.PutTargetsResponse:
        ref = self._ref(ctx, request.get("EventBusName"), request["Rule"])
        added = [parse_target(given) for given in request["Targets"]]
        with self._store.write() as tx:
            rule = existing_rule(tx, ctx, self._region, ref)
            by_id = {target.target_id: target for target in rule.targets}
            by_id.update((target.target_id, target) for target in added)
            if len(by_id) > TARGETS_PER_RULE_MAX:
                raise LimitExceededError(
                    "The requested resource exceeds the maximum number allowed."
                )
            tx.events.put_rule(replace(rule, targets=tuple(by_id.values())))
        return {"FailedEntryCount": 0, "FailedEntries": []}

    def remove_targets(
        self, ctx: RequestContext, request: shapes.RemoveTargetsRequest
    ) -> shapes.RemoveTargetsResponse:
        ref = self._ref(ctx, request.get("EventBusName"), request["Rule"])
        removed = set(request["Ids"])
        with self._store.write() as tx:
            rule = existing_rule(tx, ctx, self._region, ref)
            kept = tuple(t for t in rule.targets if t.target_id not in removed)
            if len(kept) != len(rule.targets):
                tx.events.put_rule(replace(rule, targets=kept))
        return {"FailedEntryCount": 0, "FailedEntries": []}

    def list_targets_by_rule(
        self, ctx: RequestContext, request: shapes.ListTargetsByRuleRequest
    ) -> shapes.ListTargetsByRuleResponse:
        ref = self._ref(ctx, request.get("EventBusName"), request["Rule"])
        limit = request.get("Limit", LIST_LIMIT_DEFAULT)
        after = request.get("NextToken")
        with self._store.read() as tx:
            targets = list(existing_rule(tx, ctx, self._region, ref).targets)
        start = 0
        if after is not None:
            ids = [t.target_id for t in targets]
            start = ids.index(after) + 1 if after in ids else len(targets)
        page = targets[start : start + limit]
        out: dict[str, Any] = {"Targets": [render_target(t) for t in page]}
        if start + limit < len(targets):
            out["NextToken"] = page[-1].target_id
        return out  # type: ignore[return-value]
