"""The EventBridge control plane (buses, rules, targets, bus policies, tags), as a declared
table: needs -> handler. PutEvents (put_events.py) is declared where the server has delivery
queues; delivery itself is delivery.py.

Each operation needs `events:<Action>` on the resource it names, as the Service Authorization
Reference lists them: the bus's ARN for bus operations and PutPermission/RemovePermission, the
rule's ARN (`rule/<name>` on the default bus, `rule/<bus>/<name>` elsewhere) for rule and
target operations, the tagged resource's ARN for tagging, and `*` for ListEventBuses,
ListRules, ListRuleNamesByTarget and TestEventPattern. A bus's policy lets other accounts put
events on it (PutEvents with the bus's ARN); every other operation looks only in the
caller's own account.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Required, TypedDict

from typing_extensions import ReadOnly

from stockade.services.context import RequestContext
from stockade.services.declaration import (
    READ,
    WRITE,
    Audit,
    Need,
    Needs,
    Operation,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.events.bus_scope import BusPolicies
from stockade.services.events.buses import EventBuses
from stockade.services.events.errors import AccessDeniedError, InternalError, ValidationError
from stockade.services.events.names import RuleRef, bus_ref, resource_ref
from stockade.services.events.permissions import BusPermissions
from stockade.services.events.put_events import EventIntake
from stockade.services.events.rules import Rules
from stockade.services.events.tags import EventTags
from stockade.services.events.targets import Targets
from stockade.store.ports import Store

ERRORS = ServiceErrors(AccessDeniedError, ValidationError, InternalError)


class _OnBus(TypedDict, total=False):
    EventBusName: ReadOnly[str]


class _NamedBus(TypedDict, total=False):
    Name: ReadOnly[str]


class _NamedRule(TypedDict, total=False):
    Name: ReadOnly[Required[str]]
    EventBusName: ReadOnly[str]


class _TargetsOf(TypedDict, total=False):
    Rule: ReadOnly[Required[str]]
    EventBusName: ReadOnly[str]


class _Tagged(TypedDict, total=False):
    ResourceARN: ReadOnly[Required[str]]


class EventsService:
    def __init__(self, store: Store, region: str, intake: EventIntake | None = None) -> None:
        self._region = region
        self.intake = intake
        self._bus_policies = BusPolicies(store, region)
        self.buses = EventBuses(store, region)
        self.permissions = BusPermissions(store, region)
        self.rules = Rules(store, region)
        self.targets = Targets(store, region)
        self.tags = EventTags(store, region)

    def table(self) -> ServiceTable:
        b, r, bus, any_ = self.buses, self.rules, self._named_bus, self._any
        return ServiceTable.of(
            "events",
            [
                operation("CreateEventBus", b.create_event_bus, bus("CreateEventBus"), WRITE),
                operation("DescribeEventBus", b.describe_event_bus, bus("DescribeEventBus"), READ),
                operation("DeleteEventBus", b.delete_event_bus, bus("DeleteEventBus"), WRITE),
                operation("ListEventBuses", b.list_event_buses, any_("ListEventBuses"), READ),
                operation("PutRule", r.put_rule, self._rule("PutRule"), WRITE),
                operation("DescribeRule", r.describe_rule, self._rule("DescribeRule"), READ),
                operation("DeleteRule", r.delete_rule, self._rule("DeleteRule"), WRITE),
                operation("EnableRule", r.enable_rule, self._rule("EnableRule"), WRITE),
                operation("DisableRule", r.disable_rule, self._rule("DisableRule"), WRITE),
                operation("ListRules", r.list_rules, self._any("ListRules"), READ),
                operation("ListRuleNamesByTarget", r.list_rule_names_by_target,
                          self._any("ListRuleNamesByTarget"), READ),
                operation("TestEventPattern", r.test_event_pattern, any_("TestEventPattern"), READ),
                *self._target_operations(),
                *self._put_operations(),
                *self._policy_operations(),
                *self._tag_operations(),
            ],
            ERRORS,
        )  # fmt: skip

    def _target_operations(self) -> list[Operation[Any]]:
        t, on = self.targets, self._targets_of
        return [
            operation("PutTargets", t.put_targets, on("PutTargets"), WRITE),
            operation("RemoveTargets", t.remove_targets, on("RemoveTargets"), WRITE),
            operation("ListTargetsByRule", t.list_targets_by_rule, on("ListTargetsByRule"), READ),
        ]

    def _put_operations(self) -> list[Operation[Any]]:
        if self.intake is None:
            return []  # no delivery queues here (in-process control-plane tests): not served
        # A data event (its entries' Detail is the tenant's payload: hidden in the trail).
        return [
            operation("PutEvents", self.intake.put_events, self._entry_buses,
                      Audit(read_only=False, data_event=True, resources=self._bus_arns)),
        ]  # fmt: skip

    def _entry_buses(self, ctx: RequestContext, request: Any) -> Sequence[Need]:
        """events:PutEvents on the bus of every entry (the caller's default bus if unnamed)."""
        return [
            Need("events:PutEvents", arn, self._bus_policies)
            for arn in self._bus_arns(ctx, request)
        ]

    def _bus_arns(self, ctx: RequestContext, request: Any) -> Sequence[str]:
        arns = {
            bus_ref(self._region, ctx.principal.account_id, entry.get("EventBusName")).arn()
            for entry in request.get("Entries", ())
        }
        return sorted(arns)

    def _policy_operations(self) -> list[Operation[Any]]:
        p, on = self.permissions, self._on_bus
        return [
            operation("PutPermission", p.put_permission, on("PutPermission"), WRITE),
            operation("RemovePermission", p.remove_permission, on("RemovePermission"), WRITE),
        ]

    def _tag_operations(self) -> list[Operation[Any]]:
        t, on = self.tags, self._tagged
        return [
            operation("TagResource", t.tag_resource, on("TagResource"), WRITE),
            operation("UntagResource", t.untag_resource, on("UntagResource"), WRITE),
            operation("ListTagsForResource", t.list_tags_for_resource,
                      on("ListTagsForResource"), READ),
        ]  # fmt: skip

    # -- needs -------------------------------------------------------------------------------
    def _any(self, action: str) -> Needs[Any]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            return [Need(f"events:{action}", "*")]

        return needs

    def _named_bus(self, action: str) -> Needs[_NamedBus]:
        def needs(ctx: RequestContext, request: _NamedBus) -> Sequence[Need]:
            ref = bus_ref(self._region, ctx.principal.account_id, request.get("Name"))
            return [Need(f"events:{action}", ref.arn())]

        return needs

    def _on_bus(self, action: str) -> Needs[_OnBus]:
        def needs(ctx: RequestContext, request: _OnBus) -> Sequence[Need]:
            ref = bus_ref(self._region, ctx.principal.account_id, request.get("EventBusName"))
            return [Need(f"events:{action}", ref.arn())]

        return needs

    def _rule(self, action: str) -> Needs[_NamedRule]:
        def needs(ctx: RequestContext, request: _NamedRule) -> Sequence[Need]:
            bus = bus_ref(self._region, ctx.principal.account_id, request.get("EventBusName"))
            return [Need(f"events:{action}", RuleRef(bus, request["Name"]).arn())]

        return needs

    def _targets_of(self, action: str) -> Needs[_TargetsOf]:
        def needs(ctx: RequestContext, request: _TargetsOf) -> Sequence[Need]:
            bus = bus_ref(self._region, ctx.principal.account_id, request.get("EventBusName"))
            return [Need(f"events:{action}", RuleRef(bus, request["Rule"]).arn())]

        return needs

    def _tagged(self, action: str) -> Needs[_Tagged]:
        def needs(ctx: RequestContext, request: _Tagged) -> Sequence[Need]:
            return [Need(f"events:{action}", resource_ref(request["ResourceARN"]).arn())]

        return needs
