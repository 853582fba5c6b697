"""What rotation needs of Lambda (`RotationFunctions`) and of a secret's versions (pure).

A rotation is in progress while AWSPENDING is on a version other than AWSCURRENT's: RotateSecret
then refuses to start another (API reference, RotateSecret: "any later invocation of
RotateSecret assumes that a previous rotation request is still in progress and returns an
error"). Before the first step Secrets Manager stages the rotation's version, still empty,
AWSPENDING, so that the function finds its token staged (AWS's templates check that first) and
its createSecret fills it with PutSecretValue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from stockade.domain.secrets import CURRENT, PENDING, Secret, SecretVersion
from stockade.services.secretsmanager.stages import add_version

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
CANNOT_INVOKE = (
    "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function"
    " policy grants access to the principal secretsmanager.amazonaws.com."
)


class RotationFunctions(Protocol):
    """The rotation function, as Secrets Manager's service principal reaches it."""

    def invocable(self, function_arn: str, secret_arn: str) -> bool:
        """The function exists and its resource policy lets Secrets Manager invoke it."""
        ...

    async def invoke(self, function_arn: str, payload: bytes) -> str | None:
        """One synchronous invocation; None on success, else the function's error type."""
        ...


def in_progress(secret: Secret) -> SecretVersion | None:
    """The version of an unfinished rotation (AWSPENDING on other than AWSCURRENT's)."""
    pending, current = secret.staged(PENDING), secret.staged(CURRENT)
    if pending is None or (current is not None and pending.version_id == current.version_id):
        return None
    return pending


def with_placeholder(secret: Secret, token: str, now: datetime) -> tuple[SecretVersion, ...]:
    """The secret's versions with `token` staged AWSPENDING (created empty if new)."""
    if secret.version(token) is not None:
        return secret.versions
    return add_version(secret.versions, SecretVersion(version_id=token, created=now),
                       (PENDING,), now)  # fmt: skip
