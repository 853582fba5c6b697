"""Compliance rules over configuration items: AWS Config's managed rules for Lambda, with their
parameter names and semantics, and Stockade's own check of runtime deprecation; and, in one
registry with them, the managed rules of the other resource types (secret_rules.py). Each rule
names the resource type it evaluates. Pure: a rule sees only the item's configuration, its
parameters, the instant and the runtime schedule."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from stockade.domain.compliance_result import Compliance as Compliance  # noqa: PLC0414 - re-exported
from stockade.domain.configuration_item import RESOURCE_TYPE as FUNCTION_RESOURCE_TYPE
from stockade.domain.errors import DomainError
from stockade.domain.function_snapshot import NetworkMode
from stockade.domain.public_access import public_statements
from stockade.domain.runtimes import RuntimeCatalog
from stockade.domain.secret_rules import (
    SECRET_INTEGERS,
    SECRET_PARAMETERS,
    SECRET_RESOURCE_TYPE,
    SECRET_RULES,
)
from stockade.types import ascii_digits


class InvalidRuleError(DomainError):
    """An unknown rule or a parameter the rule does not take; the message is operator-safe."""


@dataclass(frozen=True)
class Evaluation:
    rule: str
    compliance: Compliance
    reason: str


CONCURRENCY = "lambda-concurrency-check"
DLQ = "lambda-dlq-check"
PUBLIC_ACCESS = "lambda-function-public-access-prohibited"
SETTINGS = "lambda-function-settings-check"
INSIDE_VPC = "lambda-inside-vpc"
# Stockade's own (AWS Config has no managed rule for it): a function names a code signing
# configuration, so only code its allowed publishers signed deploys.
CODE_SIGNING = "stockade-lambda-code-signing-enabled"
# Stockade's own, always evaluated: AWS reports deprecations through Health, not a Config rule.
RUNTIME_DEPRECATION = "stockade-runtime-deprecation"

_FUNCTION_PARAMETERS: Mapping[str, frozenset[str]] = {
    CONCURRENCY: frozenset({"ConcurrencyLimitLow", "ConcurrencyLimitHigh"}),
    DLQ: frozenset({"dlqArns"}),
    PUBLIC_ACCESS: frozenset(),
    SETTINGS: frozenset({"runtime", "role", "timeout", "memorySize"}),
    INSIDE_VPC: frozenset(),  # subnetIds has no meaning without VPCs
    CODE_SIGNING: frozenset(),
}
# Rule -> the parameters it takes (AWS's names); the required ones are in _REQUIRED.
PARAMETERS: Mapping[str, frozenset[str]] = {**_FUNCTION_PARAMETERS, **SECRET_PARAMETERS}
# Rule -> the resource type (AWS Config's name) whose configuration items it evaluates.
RESOURCE_TYPES: Mapping[str, str] = {
    **{rule: FUNCTION_RESOURCE_TYPE for rule in (*_FUNCTION_PARAMETERS, RUNTIME_DEPRECATION)},
    **{rule: SECRET_RESOURCE_TYPE for rule in SECRET_PARAMETERS},
}
# Resource type -> the rules evaluated whether enabled or not.
ALWAYS: Mapping[str, tuple[str, ...]] = {FUNCTION_RESOURCE_TYPE: (RUNTIME_DEPRECATION,)}
# The resource types some rule evaluates: the ones compliance looks at.
EVALUATED_TYPES: tuple[str, ...] = tuple(sorted(set(RESOURCE_TYPES.values())))
_REQUIRED: Mapping[str, frozenset[str]] = {SETTINGS: frozenset({"runtime"})}
_INTEGERS = SECRET_INTEGERS | {
    "ConcurrencyLimitLow", "ConcurrencyLimitHigh", "timeout", "memorySize"}  # fmt: skip


def check_parameters(rule: str, parameters: Mapping[str, str]) -> None:
    if rule not in PARAMETERS:
        raise InvalidRuleError(f"Unknown rule {rule}; rules: {', '.join(sorted(PARAMETERS))}.")
    unknown = sorted(set(parameters) - PARAMETERS[rule])
    if unknown:
        allowed = ", ".join(sorted(PARAMETERS[rule])) or "none"
        raise InvalidRuleError(
            f"{rule} takes no parameter {', '.join(unknown)} (takes: {allowed})."
        )
    missing = sorted(_REQUIRED.get(rule, frozenset()) - set(parameters))
    if missing:
        raise InvalidRuleError(f"{rule} requires the parameter {', '.join(missing)}.")
    for name in sorted(set(parameters) & _INTEGERS):
        if not ascii_digits(parameters[name].strip()):
            raise InvalidRuleError(f"{rule}: {name} must be a whole number.")


def evaluate(
    rule: str,
    parameters: Mapping[str, str],
    configuration: Mapping[str, Any],
    when: date,
    catalog: RuntimeCatalog | None,
) -> Evaluation:
    """`when`: the instant of evaluation (a date alone is its midnight, UTC); `catalog`: the
    runtime schedule, which only functions' rules read (None where no function is evaluated)."""
    now = when if isinstance(when, datetime) else datetime.combine(when, time(), UTC)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    if rule == RUNTIME_DEPRECATION:
        if catalog is None:
            raise ValueError(f"{rule} needs the runtime schedule")
        compliance, reason = _runtime_deprecation(configuration, now.date(), catalog)
    elif rule in SECRET_RULES:
        check_parameters(rule, parameters)
        compliance, reason = SECRET_RULES[rule](parameters, configuration, now)
    else:
        check_parameters(rule, parameters)
        compliance, reason = _RULES[rule](parameters, configuration)
    return Evaluation(rule, compliance, reason)


_Outcome = tuple[Compliance, str]


def _ok(reason: str) -> _Outcome:
    return Compliance.COMPLIANT, reason


def _not(reason: str) -> _Outcome:
    return Compliance.NON_COMPLIANT, reason


def _csv(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def _concurrency(parameters: Mapping[str, str], configuration: Mapping[str, Any]) -> _Outcome:
    reserved = configuration.get("reservedConcurrentExecutions")
    if reserved is None:
        return _not("no function-level concurrency limit (reserved concurrency) is configured")
    low, high = parameters.get("ConcurrencyLimitLow"), parameters.get("ConcurrencyLimitHigh")
    if low is not None and reserved < int(low):
        return _not(f"reserved concurrency {reserved} is below ConcurrencyLimitLow {low}")
    if high is not None and reserved > int(high):
        return _not(f"reserved concurrency {reserved} is above ConcurrencyLimitHigh {high}")
    return _ok(f"reserved concurrency is {reserved}")


def _dlq(parameters: Mapping[str, str], configuration: Mapping[str, Any]) -> _Outcome:
    target = (configuration.get("deadLetterConfig") or {}).get("targetArn")
    if not target:
        return _not("no dead-letter queue is configured")
    allowed = _csv(parameters.get("dlqArns"))
    if allowed and target not in allowed:
        return _not(f"dead-letter queue {target} is not one of dlqArns")
    return _ok(f"dead-letter queue {target}")


def _public_access(_: Mapping[str, str], configuration: Mapping[str, Any]) -> _Outcome:
    opened = {
        qualifier: sids
        for qualifier, document in sorted((configuration.get("policy") or {}).items())
        if (sids := public_statements(str(document)))
    }
    if opened:
        where = "; ".join(f"{q}: {', '.join(s or '(no Sid)' for s in sids)}"
                          for q, s in opened.items())  # fmt: skip
        return _not(f"the resource policy allows public access ({where})")
    return _ok("the resource policy does not allow public access")


def _settings(parameters: Mapping[str, str], configuration: Mapping[str, Any]) -> _Outcome:
    runtime = str(configuration.get("runtime", ""))
    if runtime.startswith("provided"):
        return Compliance.NOT_APPLICABLE, f"{runtime} is an OS-only runtime; the rule ignores it"
    wrong = []
    if runtime not in _csv(parameters.get("runtime")):
        wrong.append(f"runtime {runtime} is not one of {parameters.get('runtime')}")
    role, expected_role = str(configuration.get("role", "")), parameters.get("role")
    if expected_role and expected_role not in (role, role.rsplit("/", 1)[-1]):
        wrong.append(f"role {role} is not {expected_role}")
    for name, default in (("timeout", 3), ("memorySize", 128)):
        expected, actual = int(parameters.get(name, default)), configuration.get(name)
        if actual != expected:
            wrong.append(f"{name} {actual} is not {expected}")
    return _not("; ".join(wrong)) if wrong else _ok("runtime, role, timeout and memory as expected")


def _inside_vpc(_: Mapping[str, str], configuration: Mapping[str, Any]) -> _Outcome:
    network = configuration.get("network") or {}
    vpc = network.get("vpcConfig") or {}
    mode = network.get("mode")
    if vpc.get("vpcId") and mode != NetworkMode.HOST.value:  # host processes join no VPC
        return _ok(f"in VPC {vpc['vpcId']}")
    if mode == NetworkMode.ISOLATED.value:
        return _ok("no outbound network: loopback and the Stockade API channel only")
    return _not(f"the function's environments have outbound network access ({mode})")


def _code_signing(_: Mapping[str, str], configuration: Mapping[str, Any]) -> _Outcome:
    config_arn = (configuration.get("codeSigning") or {}).get("codeSigningConfigArn")
    if config_arn:
        return _ok(f"code signing configuration {config_arn}")
    return _not("no code signing configuration: unsigned code deploys")


def _runtime_deprecation(
    configuration: Mapping[str, Any], today: date, catalog: RuntimeCatalog
) -> _Outcome:
    runtime = str(configuration.get("runtime", ""))
    lifecycle = catalog.lifecycles.get(runtime)
    if lifecycle is None or lifecycle.deprecated_on is None or today < lifecycle.deprecated_on:
        return _ok(f"{runtime} is supported")
    blocks = [
        f"{what} blocked from {when}"
        for what, when in (
            ("creation", lifecycle.block_create_on),
            ("updates", lifecycle.block_update_on),
        )
        if when
    ]
    newer = catalog.recommended_for(runtime)
    return _not(
        f"{runtime} is deprecated since {lifecycle.deprecated_on}"
        + (f"; {', '.join(blocks)}" if blocks else "")
        + (f"; use {newer}" if newer else "")
    )  # fmt: skip


_RULES: Mapping[str, Callable[[Mapping[str, str], Mapping[str, Any]], _Outcome]] = {
    CONCURRENCY: _concurrency,
    DLQ: _dlq,
    PUBLIC_ACCESS: _public_access,
    SETTINGS: _settings,
    INSIDE_VPC: _inside_vpc,
    CODE_SIGNING: _code_signing,
}
