"""A bus's resource policy: PutPermission and RemovePermission, shown by DescribeEventBus.

PutPermission either replaces the whole policy (`Policy`) or adds one statement built as
EventBridge builds it: `Sid` from StatementId, `Effect: Allow`, `Principal` `"*"` or
`{"AWS": "arn:aws:iam::<account>:root"}`, the `Action`, the bus's ARN as `Resource`, and
`Condition: {<Type>: {<Key>: <Value>}}` when given. A statement with the same Sid is replaced.
Removing the last statement removes the policy.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from stockade.services.context import RequestContext
from stockade.services.events.buses import materialized
from stockade.services.events.errors import ResourceNotFoundError, ValidationError
from stockade.services.events.lookup import existing_bus
from stockade.services.events.names import bus_ref
from stockade.shapes import events as shapes
from stockade.store.ports import Store

_VERSION = "2012-10-17"
_STATEMENT_PARTS = ("Action", "Principal", "StatementId")


def _statement(request: shapes.PutPermissionRequest, bus_arn: str) -> dict[str, Any]:
    missing = [part for part in _STATEMENT_PARTS if part not in request]
    if missing:
        raise ValidationError(f"Parameter(s) {', '.join(missing)} must be specified.")
    principal = request["Principal"]
    statement: dict[str, Any] = {
        "Sid": request["StatementId"],
        "Effect": "Allow",
        "Principal": "*" if principal == "*" else {"AWS": f"arn:aws:iam::{principal}:root"},
        "Action": request["Action"],
        "Resource": bus_arn,
    }
    condition = request.get("Condition")
    if condition is not None:
        statement["Condition"] = {condition["Type"]: {condition["Key"]: condition["Value"]}}
    return statement


def _whole_policy(text: str) -> str:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ValidationError("Parameter Policy is not valid JSON.") from exc
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list):
        raise ValidationError("Parameter Policy is not a valid policy document.")
    return json.dumps(document, separators=(",", ":"))


def _statements(policy: str | None) -> list[dict[str, Any]]:
    if policy is None:
        return []
    statements = json.loads(policy).get("Statement", [])
    return [s for s in statements if isinstance(s, dict)]


def _policy(statements: list[dict[str, Any]]) -> str | None:
    if not statements:
        return None
    return json.dumps({"Version": _VERSION, "Statement": statements}, separators=(",", ":"))


class BusPermissions:
    def __init__(self, store: Store, region: str) -> None:
        self._store = store
        self._region = region

    def put_permission(self, ctx: RequestContext, request: shapes.PutPermissionRequest) -> None:
        ref = bus_ref(self._region, ctx.principal.account_id, request.get("EventBusName"))
        if "Policy" in request:
            if any(part in request for part in (*_STATEMENT_PARTS, "Condition")):
                raise ValidationError(
                    "Parameter Policy cannot be combined with Action, Principal, StatementId"
                    " or Condition."
                )
            policy: str | None = _whole_policy(request["Policy"])
        with self._store.write() as tx:
            bus = materialized(existing_bus(tx, ctx, self._region, ref), ctx.received_at)
            if "Policy" not in request:
                added = _statement(request, ref.arn())
                kept = [s for s in _statements(bus.policy) if s.get("Sid") != added["Sid"]]
                policy = _policy([*kept, added])
            tx.events.put_bus(replace(bus, policy=policy, last_modified=ctx.received_at))

    def remove_permission(
        self, ctx: RequestContext, request: shapes.RemovePermissionRequest
    ) -> None:
        ref = bus_ref(self._region, ctx.principal.account_id, request.get("EventBusName"))
        remove_all = request.get("RemoveAllPermissions", False)
        sid = request.get("StatementId")
        if not remove_all and sid is None:
            raise ValidationError("Parameter StatementId is required.")
        with self._store.write() as tx:
            bus = existing_bus(tx, ctx, self._region, ref)
            if remove_all:
                policy = None
            else:
                statements = _statements(bus.policy)
                kept = [s for s in statements if s.get("Sid") != sid]
                if len(kept) == len(statements):
                    raise ResourceNotFoundError("Statement with the provided id does not exist.")
                policy = _policy(kept)
            if policy != bus.policy:
                bus = materialized(bus, ctx.received_at)
                tx.events.put_bus(replace(bus, policy=policy, last_modified=ctx.received_at))
