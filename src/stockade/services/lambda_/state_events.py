"""Recording a function version's state change in the transaction that makes it: the event
goes to the store's outbox, committed with the change or not at all, and the own-event
publisher (services/events/own_publisher.py) moves it to the default bus. The request pays
for one row insert, never for the bus."""

from __future__ import annotations

from collections.abc import Iterable

from stockade.domain.function import FunctionVersion
from stockade.services.events.function_state_events import (
    StateChange,
    StateEventSource,
    function_state_event,
)
from stockade.services.lambda_.deps import LambdaDeps
from stockade.store.ports import Transaction


def record_state_changes(
    deps: LambdaDeps,
    tx: Transaction,
    region: str,
    change: StateChange,
    versions: Iterable[FunctionVersion],
) -> None:
    source = StateEventSource(region, deps.clock.now())
    for version in versions:
        tx.function_state_events.add(function_state_event(version, change, source))
