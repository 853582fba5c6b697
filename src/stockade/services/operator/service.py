"""Operator commands as declared operations: accounts, compliance, configuration history,
counters and the audit trail's key, run by the kernel for the host's operator.

Each operation needs `stockade:<Operation>`, which only the operator principal is allowed (the
kernel's rule) and which the operator cannot use against any other service; each is audited
like an API call. `AccountId` defaults to the data dir's own account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from stockade.domain.compliance_rules import RUNTIME_DEPRECATION
from stockade.domain.configuration_item import RESOURCE_TYPE, changes
from stockade.services.compliance.admin import (
    ComplianceAdmin,
    ComplianceAdminError,
    UnknownAccountError,
)
from stockade.services.context import RequestContext
from stockade.services.declaration import (
    READ,
    WRITE,
    Audit,
    Need,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.identity import Identities
from stockade.services.operator.errors import (
    AccessDeniedError,
    InternalFailureError,
    ResourceNotFoundError,
    ValidationError,
)
from stockade.shapes import operator as shapes
from stockade.types import AccountId

SERVICE = "stockade"  # the signing name of the operator API (stockade.services.operator.model)
ERRORS = ServiceErrors(AccessDeniedError, ValidationError, InternalFailureError)


class CounterReader(Protocol):
    def read(self, account_id: str, function_name: str) -> list[dict[str, Any]]:
        """A function's saved counters, one row per version."""
        ...

    def mapping(self, uuid: str) -> dict[str, Any] | None:
        """An event source mapping's saved counters (None: none saved)."""
        ...

    def rule(self, account_id: str, bus: str, name: str) -> dict[str, Any] | None:
        """A rule's saved counters (None: none saved)."""
        ...


@dataclass(frozen=True)
class OperatorDeps:
    identities: Identities
    compliance: ComplianceAdmin
    counters: CounterReader
    trail_public_key: Callable[[], bytes]
    default_account: AccountId


class OperatorService:
    def __init__(self, deps: OperatorDeps) -> None:
        self._deps = deps

    def table(self) -> ServiceTable:
        return ServiceTable.of(
            SERVICE,
            [
                operation("CreateAccount", self.create_account, _needs, WRITE),
                operation("EvaluateCompliance", self.evaluate_compliance, _needs, WRITE),
                operation("ListComplianceRules", self.list_compliance_rules, _needs, READ),
                operation("EnableComplianceRule", self.enable_compliance_rule, _needs, WRITE),
                operation("DisableComplianceRule", self.disable_compliance_rule, _needs, WRITE),
                operation("PutComplianceWebhook", self.put_compliance_webhook, _needs, WRITE),
                operation("DeleteComplianceWebhook", self.delete_compliance_webhook, _needs, WRITE),
                operation("ListComplianceChanges", self.list_compliance_changes, _needs, READ),
                operation("GetConfigurationHistory", self.get_configuration_history, _needs, READ),
                operation("GetFunctionStats", self.get_function_stats, _needs, READ),
                *self._trigger_stats_operations(),
                operation(
                    "GetAuditDigestPublicKey", self.get_audit_digest_public_key, _needs, READ
                ),
                operation(
                    "RecordTrailVerification",
                    self.record_trail_verification,
                    _needs,
                    Audit(read_only=False),
                ),
            ],
            ERRORS,
        )

    # -- accounts ----------------------------------------------------------------------------
    def create_account(
        self, ctx: RequestContext, request: shapes.CreateAccountRequest
    ) -> shapes.CreateAccountResponse:
        created = self._deps.identities.create_account(request["Name"])
        return {
            "AccountId": created.account.account_id,
            "AccessKeyId": created.access_key_id,
            "SecretAccessKey": created.secret_access_key,
        }

    # -- compliance --------------------------------------------------------------------------
    def evaluate_compliance(
        self, ctx: RequestContext, request: shapes.EvaluateComplianceRequest
    ) -> shapes.EvaluateComplianceResponse:
        with _compliance_errors():
            reports = self._deps.compliance.evaluate(self._account(request))
        rows = [
            {**_named(report.resource_type, report.resource_id), "rule": state.rule,
             "compliance": state.compliance.value, "reason": state.reason,
             "configurationStateId": str(report.configuration_state_id)}
            for report in reports for state in report.results
        ]  # fmt: skip
        return {"Report": rows}

    def list_compliance_rules(
        self, ctx: RequestContext, request: shapes.ListComplianceRulesRequest
    ) -> shapes.ListComplianceRulesResponse:
        account = self._account(request)
        with _compliance_errors():
            enabled = self._deps.compliance.rules(account)
            origin = self._deps.compliance.webhook_origin(account)
        listed = [{"rule": s.rule, "parameters": dict(s.parameters)} for s in enabled]
        listed.append({"rule": RUNTIME_DEPRECATION, "parameters": {}})  # always on
        return {"Rules": {"rules": listed, "webhook": origin}}

    def enable_compliance_rule(
        self, ctx: RequestContext, request: shapes.EnableComplianceRuleRequest
    ) -> shapes.EnableComplianceRuleResponse:
        with _compliance_errors():
            setting = self._deps.compliance.enable(
                self._account(request), request["Rule"], dict(request.get("Parameters", {}))
            )
        return {"Rule": {"rule": setting.rule, "parameters": dict(setting.parameters)}}

    def disable_compliance_rule(
        self, ctx: RequestContext, request: shapes.DisableComplianceRuleRequest
    ) -> shapes.DisableComplianceRuleResponse:
        with _compliance_errors():
            removed = self._deps.compliance.disable(self._account(request), request["Rule"])
        return {"Disabled": removed}

    def put_compliance_webhook(
        self, ctx: RequestContext, request: shapes.PutComplianceWebhookRequest
    ) -> shapes.PutComplianceWebhookResponse:
        account = self._account(request)
        with _compliance_errors():
            secret = self._deps.compliance.set_webhook(account, request["Url"])
            origin = self._deps.compliance.webhook_origin(account)
        assert secret is not None  # a URL was given
        return {"Secret": secret, "Origin": origin or ""}

    def delete_compliance_webhook(
        self, ctx: RequestContext, request: shapes.DeleteComplianceWebhookRequest
    ) -> None:
        with _compliance_errors():
            self._deps.compliance.set_webhook(self._account(request), None)

    def list_compliance_changes(
        self, ctx: RequestContext, request: shapes.ListComplianceChangesRequest
    ) -> shapes.ListComplianceChangesResponse:
        with _compliance_errors():
            found = self._deps.compliance.changes(self._account(request))
        rows = [
            {"time": c.recorded_at.isoformat(), **_named(c.resource_type, c.function_name),
             "rule": c.rule,
             "before": c.before.value if c.before else None, "after": c.after.value,
             "reason": c.reason, "eventName": c.cause.event_name,
             "requestID": c.cause.request_id, "delivery": c.delivery.value,
             "attempts": c.attempts, "lastError": c.last_error}
            for c in found
        ]  # fmt: skip
        return {"Changes": rows}

    # -- history and counters ----------------------------------------------------------------
    def get_configuration_history(
        self, ctx: RequestContext, request: shapes.GetConfigurationHistoryRequest
    ) -> shapes.GetConfigurationHistoryResponse:
        named = [request[m] for m in ("FunctionName", "ResourceId") if m in request]
        if len(named) != 1:
            raise ValidationError("Give exactly one of FunctionName and ResourceId.")
        with _compliance_errors():
            items = self._deps.compliance.history(
                self._account(request), named[0], request.get("ResourceType", RESOURCE_TYPE)
            )
        if not items:
            raise ResourceNotFoundError(f"No configuration history for {named[0]}.")
        entries = []
        before: dict[str, Any] = {}
        for item in items:
            after = item.configuration
            entry = item.as_aws()
            entry["changes"] = [
                {"path": c.path, "before": c.before, "after": c.after}
                for c in changes(before, after)
            ]
            entries.append(entry)
            before = after
        return {"Items": entries}

    def get_function_stats(
        self, ctx: RequestContext, request: shapes.GetFunctionStatsRequest
    ) -> shapes.GetFunctionStatsResponse:
        rows = self._deps.counters.read(self._account(request), request["FunctionName"])
        return {"Versions": rows}

    def _trigger_stats_operations(self) -> list[Any]:
        return [
            operation("GetEventSourceMappingStats", self.get_mapping_stats, _needs, READ),
            operation("GetRuleStats", self.get_rule_stats, _needs, READ),
        ]

    def get_mapping_stats(
        self, ctx: RequestContext, request: shapes.GetEventSourceMappingStatsRequest
    ) -> shapes.GetEventSourceMappingStatsResponse:
        found = self._deps.counters.mapping(request["UUID"])
        if found is None:
            raise ResourceNotFoundError(
                f"No counters saved for event source mapping {request['UUID']} (it has not"
                " polled yet, or does not exist)."
            )
        return {"Counters": found}

    def get_rule_stats(
        self, ctx: RequestContext, request: shapes.GetRuleStatsRequest
    ) -> shapes.GetRuleStatsResponse:
        bus = request.get("EventBusName", "default")
        found = self._deps.counters.rule(self._account(request), bus, request["Name"])
        if found is None:
            raise ResourceNotFoundError(
                f"No counters saved for rule {request['Name']} on event bus {bus} (it has not"
                " run yet, or does not exist)."
            )
        return {"Counters": found}

    # -- the audit trail ---------------------------------------------------------------------
    def get_audit_digest_public_key(
        self, ctx: RequestContext, request: shapes.GetAuditDigestPublicKeyRequest
    ) -> shapes.GetAuditDigestPublicKeyResponse:
        return {"PublicKeyPem": self._deps.trail_public_key().decode("ascii")}

    def record_trail_verification(
        self, ctx: RequestContext, request: shapes.RecordTrailVerificationRequest
    ) -> None:
        """The verification ran where the operator is, independent of this server; what it
        found is recorded here, as evidence that the trail was checked, by whom and when."""
        ctx.notes.add("trailVerification", "ok" if request["Problems"] == 0 else "problems")

    def _account(self, request: Any) -> AccountId:
        given = request.get("AccountId")
        return AccountId(given) if given else self._deps.default_account


def _needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
    return [Need(f"stockade:{ctx.operation}")]


@contextmanager
def _compliance_errors() -> Iterator[None]:
    """Compliance refusals as the operator API's errors."""
    try:
        yield
    except UnknownAccountError as error:
        raise ResourceNotFoundError(str(error)) from error
    except ComplianceAdminError as error:
        raise ValidationError(str(error)) from error


def _named(resource_type: str, resource_id: str) -> dict[str, str]:
    """A result's resource: its type and id, and for a function its name under `function` too
    (as the rows were before other resource types had rules)."""
    named = {"resourceType": resource_type, "resourceId": resource_id}
    return {**named, "function": resource_id} if resource_type == RESOURCE_TYPE else named
