"""TRANSITIONAL: the authorizer seam services called before the operation kernel existed.

Services being moved onto declared operations (stockade.services.declaration) still type
against this Protocol; the kernel's `PolicyAuthorizer` implements it. Deleted once every
service is declared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from stockade.errors import ApiError
from stockade.policy import AttachedPolicy
from stockade.services.context import RequestContext
from stockade.services.declaration import ContextKeys, Decision

__all__ = ["Authorizer", "ContextKeys", "Decision", "denial_message"]


class Authorizer(Protocol):
    def authorize(
        self,
        ctx: RequestContext,
        action: str,
        resource: str,
        denied: Callable[[str], ApiError],
        *,
        resource_policy: AttachedPolicy | None = None,
        context: ContextKeys | None = None,
        resource_policy_required: bool = False,
    ) -> Decision: ...


def denial_message(ctx: RequestContext, action: str, resource: str, why: str) -> str:
    return (
        f"User: {ctx.principal.arn} is not authorized to perform: {action} on resource:"
        f" {resource} {why}"
    )
