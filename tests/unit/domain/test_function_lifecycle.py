"""The lifecycle of a deployment: what the answer shows, and what is stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stockade.domain.function import (
    Code,
    FunctionConfig,
    FunctionState,
    FunctionVersion,
    UpdateStatus,
)
from stockade.domain.function_lifecycle import (
    BEING_CREATED,
    Deployment,
    ReasonCode,
    reasons,
    transition,
)
from stockade.types import AccountId, Sha256Hex

WRITTEN = FunctionVersion(
    account_id=AccountId("123456789012"),
    function_name="f",
    version="$LATEST",
    config=FunctionConfig(runtime="python3.11", handler="app.handler", role="r"),
    code=Code(Sha256Hex("00" * 32), 1, 1),
    revision_id="",
    last_modified=datetime(2026, 1, 1, tzinfo=UTC),
    state=FunctionState.FAILED,  # whatever it was, a deployment ends Active / Successful
    last_update_status=UpdateStatus.FAILED,
)


def test_a_create_is_accepted_pending_and_stored_active() -> None:
    step = transition(WRITTEN, Deployment.CREATE, "accepted", "ready")
    assert (step.accepted.state, step.accepted.revision_id) == (FunctionState.PENDING, "accepted")
    assert (step.ready.state, step.ready.last_update_status, step.ready.revision_id) == (
        FunctionState.ACTIVE,
        UpdateStatus.SUCCESSFUL,
        "ready",
    )
    why = reasons(step.accepted)
    assert (why.state_reason, why.state_reason_code, why.shows_update_status) == (
        BEING_CREATED,
        ReasonCode.CREATING,
        False,
    )


def test_an_update_is_accepted_in_progress_and_stored_successful() -> None:
    step = transition(WRITTEN, Deployment.UPDATE, "accepted", "ready")
    assert (step.accepted.state, step.accepted.last_update_status) == (
        FunctionState.ACTIVE,
        UpdateStatus.IN_PROGRESS,
    )
    why = reasons(step.accepted)
    assert (why.update_reason, why.update_reason_code, why.state_reason) == (
        BEING_CREATED,
        ReasonCode.CREATING,
        None,
    )
    assert reasons(step.ready).shows_update_status
    assert reasons(step.ready).update_reason is None


@pytest.mark.parametrize("kind", list(Deployment))
def test_both_steps_describe_the_same_deployment(kind: Deployment) -> None:
    step = transition(WRITTEN, kind, "a", "b")
    assert (step.accepted.config, step.accepted.code) == (step.ready.config, step.ready.code)
    assert step.accepted.revision_id != step.ready.revision_id
