"""The compliance rules as pure functions of a configuration item's configuration: AWS
Config's semantics for each managed rule and its parameters, and Stockade's deprecation check."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from stockade.domain.compliance_rules import (
    CODE_SIGNING,
    CONCURRENCY,
    DLQ,
    INSIDE_VPC,
    PUBLIC_ACCESS,
    RUNTIME_DEPRECATION,
    SETTINGS,
    Compliance,
    InvalidRuleError,
    check_parameters,
    evaluate,
)
from stockade.domain.runtimes import RuntimeCatalog

CATALOG = RuntimeCatalog.with_lifecycles({}, {
    "version": 1,
    "recommended": {"python": "python3.14"},
    "runtimes": {
        "python3.11": {"deprecated": "2026-06-30", "block_create": "2027-02-01",
                       "block_update": "2027-03-03"},
        "python3.14": {"deprecated": "2029-06-30", "block_create": None, "block_update": None},
    },
})  # fmt: skip
TODAY = date(2026, 11, 23)
ROLE = "arn:aws:iam::111122223333:role/app"
BASE: dict[str, Any] = {
    "runtime": "python3.14", "role": ROLE, "timeout": 3, "memorySize": 128,
    "reservedConcurrentExecutions": None, "deadLetterConfig": {"targetArn": None},
    "policy": {}, "network": {"mode": "StockadeApiOnly", "vpcConfig": None},
}  # fmt: skip
QUEUE = "arn:aws:sqs:us-east-1:111122223333:dlq"


def result(rule: str, params: dict[str, str] | None = None, **config: Any) -> Compliance:
    return evaluate(rule, params or {}, {**BASE, **config}, TODAY, CATALOG).compliance


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": list(statements)})


def test_concurrency_check_needs_a_reserved_limit_within_the_bounds() -> None:
    assert result(CONCURRENCY) is Compliance.NON_COMPLIANT
    assert result(CONCURRENCY, reservedConcurrentExecutions=0) is Compliance.COMPLIANT
    bounds = {"ConcurrencyLimitLow": "5", "ConcurrencyLimitHigh": "10"}
    assert result(CONCURRENCY, bounds, reservedConcurrentExecutions=4) is Compliance.NON_COMPLIANT
    assert result(CONCURRENCY, bounds, reservedConcurrentExecutions=5) is Compliance.COMPLIANT
    assert result(CONCURRENCY, bounds, reservedConcurrentExecutions=10) is Compliance.COMPLIANT
    assert result(CONCURRENCY, bounds, reservedConcurrentExecutions=11) is Compliance.NON_COMPLIANT


def test_dlq_check_needs_a_dead_letter_queue_and_one_of_dlq_arns_when_given() -> None:
    assert result(DLQ) is Compliance.NON_COMPLIANT
    configured = {"deadLetterConfig": {"targetArn": QUEUE}}
    assert result(DLQ, **configured) is Compliance.COMPLIANT
    assert result(DLQ, {"dlqArns": f"arn:aws:sqs:us-east-1:1:x, {QUEUE}"},
                  **configured) is Compliance.COMPLIANT  # fmt: skip
    assert result(DLQ, {"dlqArns": "arn:aws:sqs:us-east-1:1:x"},
                  **configured) is Compliance.NON_COMPLIANT  # fmt: skip


def test_public_access_is_an_unconditioned_allow_for_everyone_on_any_qualifier() -> None:
    everyone = {"Sid": "open", "Effect": "Allow", "Principal": "*",
                "Action": "lambda:InvokeFunction", "Resource": "*"}  # fmt: skip
    from_bucket = {**everyone, "Sid": "s3", "Condition": {
        "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}}  # fmt: skip
    account = {**everyone, "Sid": "acct", "Principal": {"AWS": "arn:aws:iam::1:root"}}
    assert result(PUBLIC_ACCESS) is Compliance.COMPLIANT
    assert result(PUBLIC_ACCESS, policy={"$function": policy(account, from_bucket)}) is (
        Compliance.COMPLIANT)  # fmt: skip
    opened = evaluate(PUBLIC_ACCESS, {}, {**BASE, "policy": {"live": policy(account, everyone)}},
                      TODAY, CATALOG)  # fmt: skip
    assert opened.compliance is Compliance.NON_COMPLIANT
    assert opened.reason == "the resource policy allows public access (live: open)"


def test_settings_check_compares_runtime_role_timeout_and_memory_with_aws_defaults() -> None:
    params = {"runtime": "python3.13,python3.14"}
    assert result(SETTINGS, params) is Compliance.COMPLIANT
    assert result(SETTINGS, params, runtime="python3.11") is Compliance.NON_COMPLIANT
    # timeout and memorySize default to 3 and 128, as AWS's parameters do.
    assert result(SETTINGS, params, memorySize=256) is Compliance.NON_COMPLIANT
    assert result(SETTINGS, {**params, "memorySize": "256"}, memorySize=256) is (
        Compliance.COMPLIANT)  # fmt: skip
    assert result(SETTINGS, {**params, "timeout": "30"}) is Compliance.NON_COMPLIANT
    for role in ("app", ROLE):  # a name or an ARN
        assert result(SETTINGS, {**params, "role": role}) is Compliance.COMPLIANT
    assert result(SETTINGS, {**params, "role": "other"}) is Compliance.NON_COMPLIANT
    # OS-only runtimes are ignored by the rule.
    assert result(SETTINGS, params, runtime="provided.al2023") is Compliance.NOT_APPLICABLE


def test_inside_vpc_means_no_outbound_network() -> None:
    assert result(INSIDE_VPC) is Compliance.COMPLIANT
    assert result(INSIDE_VPC, network={"mode": "Host"}) is Compliance.NON_COMPLIANT


def test_code_signing_needs_a_code_signing_configuration() -> None:
    csc = "arn:aws:lambda:us-east-1:111122223333:code-signing-config:csc-0123456789abcdef0"
    signed = {"codeSigningConfigArn": csc, "signingProfileVersionArn": None}
    assert result(CODE_SIGNING, codeSigning=signed) is Compliance.COMPLIANT
    unsigned = {"codeSigningConfigArn": None, "signingProfileVersionArn": None}
    assert result(CODE_SIGNING, codeSigning=unsigned) is Compliance.NON_COMPLIANT
    assert result(CODE_SIGNING) is Compliance.NON_COMPLIANT


def test_runtime_deprecation_names_the_dates_and_the_runtime_to_move_to() -> None:
    old = evaluate(RUNTIME_DEPRECATION, {}, {**BASE, "runtime": "python3.11"}, TODAY, CATALOG)
    assert old.compliance is Compliance.NON_COMPLIANT
    assert old.reason == (
        "python3.11 is deprecated since 2026-06-30; creation blocked from 2027-02-01,"
        " updates blocked from 2027-03-03; use python3.14"
    )
    assert result(RUNTIME_DEPRECATION) is Compliance.COMPLIANT
    before = evaluate(RUNTIME_DEPRECATION, {}, {**BASE, "runtime": "python3.11"},
                      date(2026, 6, 29), CATALOG)  # fmt: skip
    assert before.compliance is Compliance.COMPLIANT


@pytest.mark.parametrize(
    ("rule", "params", "message"),
    [
        ("lambda-no-such-rule", {}, "Unknown rule"),
        (DLQ, {"dlqArn": "x"}, "takes no parameter dlqArn"),
        (SETTINGS, {"timeout": "3"}, "requires the parameter runtime"),
        (CONCURRENCY, {"ConcurrencyLimitLow": "five"}, "must be a whole number"),
        (INSIDE_VPC, {"subnetIds": "subnet-1"}, "takes no parameter subnetIds"),
    ],
)
def test_bad_rules_and_parameters_are_refused(
    rule: str, params: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidRuleError, match=message):
        check_parameters(rule, params)
