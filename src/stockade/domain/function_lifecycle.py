"""How a version's State and LastUpdateStatus move, and what the answers show of it.

Lambda answers CreateFunction with `State: Pending` (reason "The function is being created.",
code Creating) and UpdateFunctionCode/UpdateFunctionConfiguration with `LastUpdateStatus:
InProgress` (the same reason and code), then moves the version to Active / Successful once its
resources are ready, giving it a new RevisionId (recorded AWS responses: the RevisionId a create
or update answers with is not the one the next GetFunction shows).

Stockade's work for a deployment (package inspected, signature checked, artifact stored, row
written) is finished before the answer is sent, so the transition completes within the request:

    accepted (Pending | InProgress, revision A)  --resources ready-->  ready (Active |
    Successful, revision B)

The answer shows the accepted step, as AWS's does; the store holds only the ready one, so the
next read shows Active / Successful and a function is never refused for being pending.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from stockade.domain.function import FunctionState, FunctionVersion, UpdateStatus

# Lambda's wording for both steps it reports while resources are prepared.
BEING_CREATED = "The function is being created."


class ReasonCode(StrEnum):
    CREATING = "Creating"


class Deployment(StrEnum):
    """What started the transition."""

    CREATE = "create"
    UPDATE = "update"


@dataclass(frozen=True)
class Transition:
    """The two steps of one deployment: what the answer shows, and what is stored."""

    accepted: FunctionVersion
    ready: FunctionVersion


def transition(
    version: FunctionVersion, kind: Deployment, accepted_revision: str, ready_revision: str
) -> Transition:
    """`version` (as written by the deployment) as accepted, then ready, each with its own
    RevisionId."""
    ready = replace(
        version,
        state=FunctionState.ACTIVE,
        last_update_status=UpdateStatus.SUCCESSFUL,
        revision_id=ready_revision,
    )
    if kind is Deployment.CREATE:
        accepted = replace(ready, state=FunctionState.PENDING, revision_id=accepted_revision)
    else:
        accepted = replace(
            ready, last_update_status=UpdateStatus.IN_PROGRESS, revision_id=accepted_revision
        )
    return Transition(accepted, ready)


@dataclass(frozen=True)
class Reasons:
    """The members Lambda adds to a FunctionConfiguration for a version in transition."""

    state_reason: str | None = None
    state_reason_code: str | None = None
    update_reason: str | None = None
    update_reason_code: str | None = None
    # A function still being created has had no update: Lambda omits LastUpdateStatus.
    shows_update_status: bool = True


def reasons(version: FunctionVersion) -> Reasons:
    if version.state is FunctionState.PENDING:
        return Reasons(BEING_CREATED, ReasonCode.CREATING, shows_update_status=False)
    if version.last_update_status is UpdateStatus.IN_PROGRESS:
        return Reasons(update_reason=BEING_CREATED, update_reason_code=ReasonCode.CREATING)
    return Reasons()
