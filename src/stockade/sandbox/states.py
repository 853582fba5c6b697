"""The lifecycle of one execution environment as an explicit state machine.

    CREATED --> INITIALIZING --> IDLE <--> INVOKING
                    |             |           |
                    +-------------+-----------+--> SHUTTING_DOWN --> DEAD
    (any state may jump straight to DEAD when the sandbox process is found gone)

Transitions not in the table raise `IllegalTransitionError`; nothing ever moves backwards
out of SHUTTING_DOWN or DEAD, so a discarded environment cannot be handed out again.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from stockade.sandbox.errors import IllegalTransitionError


class EnvState(Enum):
    CREATED = "created"
    INITIALIZING = "initializing"
    IDLE = "idle"
    INVOKING = "invoking"
    SHUTTING_DOWN = "shutting_down"
    DEAD = "dead"


TRANSITIONS: Mapping[EnvState, frozenset[EnvState]] = {
    EnvState.CREATED: frozenset({EnvState.INITIALIZING, EnvState.SHUTTING_DOWN, EnvState.DEAD}),
    EnvState.INITIALIZING: frozenset({EnvState.IDLE, EnvState.SHUTTING_DOWN, EnvState.DEAD}),
    EnvState.IDLE: frozenset({EnvState.INVOKING, EnvState.SHUTTING_DOWN, EnvState.DEAD}),
    EnvState.INVOKING: frozenset({EnvState.IDLE, EnvState.SHUTTING_DOWN, EnvState.DEAD}),
    EnvState.SHUTTING_DOWN: frozenset({EnvState.DEAD}),
    EnvState.DEAD: frozenset(),
}


class Lifecycle:
    """Holds the current state and enforces the table; one per environment."""

    __slots__ = ("_state",)

    def __init__(self) -> None:
        self._state = EnvState.CREATED

    @property
    def state(self) -> EnvState:
        return self._state

    def can(self, target: EnvState) -> bool:
        return target in TRANSITIONS[self._state]

    def move(self, target: EnvState) -> None:
        if target not in TRANSITIONS[self._state]:
            raise IllegalTransitionError(f"{self._state.value} -> {target.value}")
        self._state = target
