"""Event buses: CreateEventBus, DescribeEventBus, DeleteEventBus, ListEventBuses.

The default bus exists in every account without being created, cannot be deleted ("Cannot
delete event bus default.") and is stored only once a policy or tags are set on it.
DeleteEventBus of a bus that does not exist succeeds (its model names no not-found error).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from stockade.domain.events import DEFAULT_BUS, EventBus
from stockade.services.context import RequestContext
from stockade.services.events.errors import (
    ResourceAlreadyExistsError,
    ResourceNotFoundError,
    ValidationError,
)
from stockade.services.events.lookup import existing_bus, tag_map
from stockade.services.events.names import bus_arn, bus_ref
from stockade.shapes import events as shapes
from stockade.store.ports import Store
from stockade.types import AccountId

LIST_LIMIT_DEFAULT = 100
_UNSUPPORTED = ("KmsKeyIdentifier", "DeadLetterConfig", "LogConfig")


def render_bus(bus: EventBus, region: str) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": bus.name, "Arn": bus_arn(region, bus.account_id, bus.name)}
    if bus.description is not None:
        out["Description"] = bus.description
    if bus.policy is not None:
        out["Policy"] = bus.policy
    if bus.created is not None:
        out["CreationTime"] = bus.created
    if bus.last_modified is not None:
        out["LastModifiedTime"] = bus.last_modified
    return out


class EventBuses:
    def __init__(self, store: Store, region: str) -> None:
        self._store = store
        self._region = region

    def create_event_bus(
        self, ctx: RequestContext, request: shapes.CreateEventBusRequest
    ) -> shapes.CreateEventBusResponse:
        name = request["Name"]
        if "EventSourceName" in request:  # partner event sources: none exist here
            raise ResourceNotFoundError(
                f"Event source {request['EventSourceName']} does not exist."
            )
        given = [key for key in _UNSUPPORTED if key in request]
        if given:
            raise ValidationError(f"Parameter {given[0]} is not supported by this event bus.")
        if "/" in name:  # only partner buses have a slash in their name
            raise ValidationError(f"Event bus name {name} is not valid.")
        account = AccountId(ctx.principal.account_id)
        now = ctx.received_at
        bus = EventBus(
            account, name, now, now, request.get("Description"), None,
            tag_map(request.get("Tags", ())),
        )  # fmt: skip
        with self._store.write() as tx:
            if name == DEFAULT_BUS or tx.events.get_bus(account, name) is not None:
                raise ResourceAlreadyExistsError(f"Event bus {name} already exists.")
            tx.events.put_bus(bus)
        out: dict[str, Any] = {"EventBusArn": bus_arn(self._region, account, name)}
        if bus.description is not None:
            out["Description"] = bus.description
        return out  # type: ignore[return-value]

    def describe_event_bus(
        self, ctx: RequestContext, request: shapes.DescribeEventBusRequest
    ) -> shapes.DescribeEventBusResponse:
        ref = bus_ref(self._region, ctx.principal.account_id, request.get("Name"))
        with self._store.read() as tx:
            bus = existing_bus(tx, ctx, self._region, ref)
        return render_bus(bus, self._region)  # type: ignore[return-value]

    def delete_event_bus(self, ctx: RequestContext, request: shapes.DeleteEventBusRequest) -> None:
        name = request["Name"]
        if name == DEFAULT_BUS:
            raise ValidationError("Cannot delete event bus default.")
        with self._store.write() as tx:
            tx.events.delete_bus(AccountId(ctx.principal.account_id), name)

    def list_event_buses(
        self, ctx: RequestContext, request: shapes.ListEventBusesRequest
    ) -> shapes.ListEventBusesResponse:
        account = AccountId(ctx.principal.account_id)
        prefix = request.get("NamePrefix", "")
        after = request.get("NextToken", "")
        limit = request.get("Limit", LIST_LIMIT_DEFAULT)
        with self._store.read() as tx:
            found = tx.events.buses(account, prefix, after, limit + 1)
            if (
                DEFAULT_BUS.startswith(prefix)
                and after < DEFAULT_BUS
                and all(bus.name != DEFAULT_BUS for bus in found)
                and tx.events.get_bus(account, DEFAULT_BUS) is None
            ):
                found = sorted([*found, EventBus(account, DEFAULT_BUS)], key=lambda b: b.name)
        page = found[:limit]
        out: dict[str, Any] = {"EventBuses": [render_bus(b, self._region) for b in page]}
        if len(found) > limit:
            out["NextToken"] = page[-1].name
        return out  # type: ignore[return-value]


def materialized(bus: EventBus, now: datetime) -> EventBus:
    """The bus as it is stored again: the default bus gets its first record now."""
    return bus if bus.created is not None else replace(bus, created=now, last_modified=now)
