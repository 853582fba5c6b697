from __future__ import annotations

import pytest

from stockade.sandbox.errors import IllegalTransitionError
from stockade.sandbox.states import TRANSITIONS, EnvState, Lifecycle


def test_every_state_has_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(EnvState)


def test_environment_serves_invocations_between_idle_and_invoking() -> None:
    life = Lifecycle()
    for target in (
        EnvState.INITIALIZING,
        EnvState.IDLE,
        EnvState.INVOKING,
        EnvState.IDLE,
        EnvState.INVOKING,
        EnvState.SHUTTING_DOWN,
        EnvState.DEAD,
    ):
        life.move(target)
    assert life.state is EnvState.DEAD


def test_idle_environment_cannot_initialise_again() -> None:
    life = Lifecycle()
    life.move(EnvState.INITIALIZING)
    life.move(EnvState.IDLE)
    with pytest.raises(IllegalTransitionError, match="idle -> initializing"):
        life.move(EnvState.INITIALIZING)


def test_shutting_down_environment_can_never_be_handed_out_again() -> None:
    life = Lifecycle()
    life.move(EnvState.INITIALIZING)
    life.move(EnvState.SHUTTING_DOWN)
    assert not life.can(EnvState.IDLE)
    assert not life.can(EnvState.INVOKING)
    with pytest.raises(IllegalTransitionError):
        life.move(EnvState.IDLE)


def test_dead_is_terminal() -> None:
    assert TRANSITIONS[EnvState.DEAD] == frozenset()


def test_a_fresh_environment_cannot_be_invoked_before_init() -> None:
    with pytest.raises(IllegalTransitionError):
        Lifecycle().move(EnvState.INVOKING)
