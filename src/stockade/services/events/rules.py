"""Rules: PutRule, DescribeRule, DeleteRule, ListRules, EnableRule, DisableRule,
ListRuleNamesByTarget and TestEventPattern.

PutRule needs an EventPattern or a ScheduleExpression (or both), and schedules only on the
default bus, as EventBridge answers. Putting an existing rule replaces what it says but keeps
its targets and tags ("any tags you specify in the PutRule operation are ignored", PutRule API
reference). A rule with targets cannot be deleted ("Rule can't be deleted since it has
targets."); deleting one that does not exist succeeds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from stockade.domain.event_pattern import EventPatternError, parse_pattern
from stockade.domain.events import DEFAULT_BUS, Rule, RuleState
from stockade.domain.schedule_expression import ScheduleExpressionError, parse_schedule
from stockade.services.context import RequestContext
from stockade.services.events.errors import InvalidEventPatternError, ValidationError
from stockade.services.events.lookup import existing_bus, existing_rule, tag_map
from stockade.services.events.names import RuleRef, bus_ref, rule_arn
from stockade.shapes import events as shapes
from stockade.store.ports import Store
from stockade.types import AccountId

LIST_LIMIT_DEFAULT = 100
_SCAN_PAGE = 100
_SCAN_PAGES_MAX = 10_000  # a bound on ListRuleNamesByTarget's walk (a million rules)
# The envelope fields TestEventPattern requires of its event (TestEventPattern API reference).
_EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


def check_pattern(text: str) -> None:
    try:
        parse_pattern(text)
    except EventPatternError as exc:
        raise InvalidEventPatternError(exc.message) from exc


def render_rule(rule: Rule, region: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Name": rule.name,
        "Arn": rule_arn(region, rule.account_id, rule.bus, rule.name),
        "State": rule.state.value,
        "EventBusName": rule.bus,
    }
    optional = {
        "EventPattern": rule.event_pattern,
        "ScheduleExpression": rule.schedule_expression,
        "Description": rule.description,
        "RoleArn": rule.role_arn,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    return out


def _schedule_kept(
    old: Rule | None, schedule: str | None, state: RuleState, ctx: RequestContext
) -> dict[str, Any]:
    """A re-put rule keeps its schedule's anchor and last fired period only while the schedule
    stays the same and enabled; a changed or re-enabled one starts at this request (a rate
    "starts when you create the scheduled event rule", EventBridge user guide)."""
    disabled = RuleState.DISABLED
    if (
        old is not None
        and old.schedule_expression == schedule
        and disabled not in (old.state, state)
    ):
        return {"schedule_anchor": old.schedule_anchor, "schedule_fired": old.schedule_fired}
    return {"schedule_anchor": ctx.received_at, "schedule_fired": None}


class Rules:
    def __init__(self, store: Store, region: str) -> None:
        self._store = store
        self._region = region

    def _ref(self, ctx: RequestContext, bus: str | None, name: str) -> RuleRef:
        return RuleRef(bus_ref(self._region, ctx.principal.account_id, bus), name)

    def put_rule(
        self, ctx: RequestContext, request: shapes.PutRuleRequest
    ) -> shapes.PutRuleResponse:
        ref = self._ref(ctx, request.get("EventBusName"), request["Name"])
        pattern, schedule = request.get("EventPattern"), request.get("ScheduleExpression")
        if pattern is None and schedule is None:
            raise ValidationError(
                "Parameter(s) EventPattern or ScheduleExpression must be specified."
            )
        if pattern is not None:
            check_pattern(pattern)
        if schedule is not None:
            if ref.bus.name != DEFAULT_BUS:
                raise ValidationError(
                    "ScheduleExpression is supported only on the default event bus."
                )
            try:
                parse_schedule(schedule)
            except ScheduleExpressionError as exc:
                raise ValidationError(exc.message) from exc
        state = RuleState(request.get("State", RuleState.ENABLED.value))
        account = AccountId(ref.bus.account_id)
        with self._store.write() as tx:
            existing_bus(tx, ctx, self._region, ref.bus)
            old = tx.events.get_rule(account, ref.bus.name, ref.name)
            rule = Rule(
                account, ref.bus.name, ref.name, state, pattern, schedule,
                request.get("Description"), request.get("RoleArn"),
                tag_map(request.get("Tags", ())) if old is None else old.tags,
                () if old is None else old.targets,
                ctx.received_at if old is None else old.created,
                **_schedule_kept(old, schedule, state, ctx),
            )  # fmt: skip
            tx.events.put_rule(rule)
        return {"RuleArn": ref.arn()}

    def describe_rule(
        self, ctx: RequestContext, request: shapes.DescribeRuleRequest
    ) -> shapes.DescribeRuleResponse:
        ref = self._ref(ctx, request.get("EventBusName"), request["Name"])
        with self._store.read() as tx:
            rule = existing_rule(tx, ctx, self._region, ref)
        return {**render_rule(rule, self._region), "CreatedBy": rule.account_id}  # type: ignore[typeddict-item]

    def delete_rule(self, ctx: RequestContext, request: shapes.DeleteRuleRequest) -> None:
        ref = self._ref(ctx, request.get("EventBusName"), request["Name"])
        with self._store.write() as tx:
            existing_bus(tx, ctx, self._region, ref.bus)
            account = AccountId(ref.bus.account_id)
            rule = tx.events.get_rule(account, ref.bus.name, ref.name)
            if rule is None:
                return
            if rule.targets:
                raise ValidationError("Rule can't be deleted since it has targets.")
            tx.events.delete_rule(account, ref.bus.name, ref.name)

    def enable_rule(self, ctx: RequestContext, request: shapes.EnableRuleRequest) -> None:
        self._set_state(ctx, request.get("EventBusName"), request["Name"], RuleState.ENABLED)

    def disable_rule(self, ctx: RequestContext, request: shapes.DisableRuleRequest) -> None:
        self._set_state(ctx, request.get("EventBusName"), request["Name"], RuleState.DISABLED)

    def _set_state(self, ctx: RequestContext, bus: str | None, name: str, state: RuleState) -> None:
        ref = self._ref(ctx, bus, name)
        with self._store.write() as tx:
            rule = existing_rule(tx, ctx, self._region, ref)
            if rule.state != state:
                changed = replace(rule, state=state)
                if rule.state is RuleState.DISABLED:  # an enabled schedule starts anew
                    changed = replace(changed, schedule_anchor=ctx.received_at,
                                      schedule_fired=None)  # fmt: skip
                tx.events.put_rule(changed)

    def list_rules(
        self, ctx: RequestContext, request: shapes.ListRulesRequest
    ) -> shapes.ListRulesResponse:
        bus = bus_ref(self._region, ctx.principal.account_id, request.get("EventBusName"))
        limit = request.get("Limit", LIST_LIMIT_DEFAULT)
        with self._store.read() as tx:
            existing_bus(tx, ctx, self._region, bus)
            found = tx.events.rules(
                AccountId(bus.account_id), bus.name, request.get("NamePrefix", ""),
                request.get("NextToken", ""), limit + 1,
            )  # fmt: skip
        page = found[:limit]
        out: dict[str, Any] = {"Rules": [render_rule(rule, self._region) for rule in page]}
        if len(found) > limit:
            out["NextToken"] = page[-1].name
        return out  # type: ignore[return-value]

    def list_rule_names_by_target(
        self, ctx: RequestContext, request: shapes.ListRuleNamesByTargetRequest
    ) -> shapes.ListRuleNamesByTargetResponse:
        bus = bus_ref(self._region, ctx.principal.account_id, request.get("EventBusName"))
        target, limit = request["TargetArn"], request.get("Limit", LIST_LIMIT_DEFAULT)
        names: list[str] = []
        after = request.get("NextToken", "")
        with self._store.read() as tx:
            existing_bus(tx, ctx, self._region, bus)
            for _ in range(_SCAN_PAGES_MAX):
                rules = tx.events.rules(AccountId(bus.account_id), bus.name, "", after, _SCAN_PAGE)
                names.extend(r.name for r in rules if any(t.arn == target for t in r.targets))
                if len(names) > limit or len(rules) < _SCAN_PAGE:
                    break
                after = rules[-1].name
        out: dict[str, Any] = {"RuleNames": names[:limit]}
        if len(names) > limit:
            out["NextToken"] = names[limit - 1]
        return out  # type: ignore[return-value]

    def test_event_pattern(
        self, ctx: RequestContext, request: shapes.TestEventPatternRequest
    ) -> shapes.TestEventPatternResponse:
        try:
            pattern = parse_pattern(request["EventPattern"])
        except EventPatternError as exc:
            raise InvalidEventPatternError(exc.message) from exc
        try:
            event = json.loads(request["Event"])
        except ValueError as exc:
            raise ValidationError("Parameter Event is not valid.") from exc
        if not isinstance(event, dict) or any(f not in event for f in _EVENT_FIELDS):
            raise ValidationError("Parameter Event is not valid.")
        return {"Result": pattern.matches(event)}
