"""The authorisation seam every use case calls before it acts.

`authorize` raises the service's access-denied error, or returns the decision for the audit
trail. The account-boundary authoriser is the policy in force until IAM policies arrive: a caller
may act on resources of its own account, and on nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from stockade.domain.arn import Arn
from stockade.domain.errors import InvalidArnError
from stockade.errors import ApiError
from stockade.services.context import RequestContext


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


class Authorizer(Protocol):
    def authorize(
        self,
        ctx: RequestContext,
        action: str,
        resource: str,
        denied: Callable[[str], ApiError],
    ) -> Decision:
        """Allow, or raise `denied(message)` with AWS's access-denied wording."""
        ...


def denial_message(ctx: RequestContext, action: str, resource: str, why: str) -> str:
    return (
        f"User: {ctx.principal.arn} is not authorized to perform: {action} on resource:"
        f" {resource} {why}"
    )


class AccountBoundaryAuthorizer:
    """Allows a principal everything inside its own account and nothing outside it."""

    def authorize(
        self,
        ctx: RequestContext,
        action: str,
        resource: str,
        denied: Callable[[str], ApiError],
    ) -> Decision:
        try:
            account = Arn.parse(resource).account
        except InvalidArnError:
            account = ""
        if resource == "*" or account == ctx.principal.account_id:
            return Decision(True, "resource is in the caller's account")
        raise denied(
            denial_message(
                ctx,
                action,
                resource,
                "because no resource-based policy allows the action",
            )
        )
