"""What every IAM use case shares: its ports, authorisation, documents, ARNs and paging."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from stockade import policy
from stockade.clock import Clock
from stockade.domain.arn import iam_arn
from stockade.domain.iam import ManagedPolicy
from stockade.policy import PolicyKind
from stockade.services.authz import Authorizer, Decision
from stockade.services.context import RequestContext
from stockade.services.iam.errors import (
    AccessDeniedError,
    InvalidInputError,
    MalformedPolicyDocumentError,
    NoSuchEntityError,
)
from stockade.services.iam.managed import AWS_MANAGED, AWS_POLICY_PREFIX, AwsManagedPolicy
from stockade.store.ports import Store, Transaction

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100


@dataclass(frozen=True)
class IamDeps:
    store: Store
    clock: Clock
    authorizer: Authorizer


def authorize(deps: IamDeps, ctx: RequestContext, action: str, resource: str) -> Decision:
    return deps.authorizer.authorize(ctx, f"iam:{action}", resource, AccessDeniedError)


def entity_arn(ctx: RequestContext, kind: str, name: str, path: str | None = None) -> str:
    return iam_arn(ctx.principal.account_id, f"{kind}{path or '/'}{name}")


def check_document(text: str, kind: PolicyKind = PolicyKind.IDENTITY) -> str:
    """The document text, once it is known to be valid policy language."""
    try:
        policy.parse_policy(text, kind)
    except policy.MalformedPolicyDocumentError as exc:
        raise MalformedPolicyDocumentError(exc.message) from exc
    return text


def quoted(document: str) -> str:
    """IAM returns policy documents URL-encoded (botocore decodes them)."""
    return quote(document, safe="")


def check_path(path: str | None) -> str:
    path = path or "/"
    if not (path.startswith("/") and path.endswith("/")):
        raise InvalidInputError("The specified value for path is invalid.")
    return path


def page(items: Sequence[T], params: dict[str, Any]) -> tuple[list[T], dict[str, Any]]:
    """One page of `items` after the opaque `Marker`, at most `MaxItems` long."""
    marker = params.get("Marker")
    start = 0
    if marker is not None:
        if not marker.isdigit():
            raise InvalidInputError("Invalid Marker.")
        start = int(marker)
    limit = int(params.get("MaxItems") or DEFAULT_MAX_ITEMS)
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    extra: dict[str, Any] = {"IsTruncated": more}
    if more:
        extra["Marker"] = str(start + limit)
    return chunk, extra


def no_such(kind: str, name: str) -> NoSuchEntityError:
    return NoSuchEntityError(f"The {kind} with name {name} cannot be found.")


@dataclass(frozen=True)
class ResolvedPolicy:
    """A managed policy of either kind: AWS-managed (in code) or customer-managed (stored)."""

    arn: str
    name: str
    aws: AwsManagedPolicy | None
    customer: ManagedPolicy | None


def resolve_policy(tx: Transaction, ctx: RequestContext, arn: str) -> ResolvedPolicy:
    if arn.startswith(AWS_POLICY_PREFIX):
        aws = AWS_MANAGED.get(arn)
        if aws is not None:
            return ResolvedPolicy(arn, aws.name, aws, None)
    else:
        customer = tx.policies.get_managed(arn)
        if customer is not None and customer.account_id == ctx.principal.account_id:
            return ResolvedPolicy(arn, customer.name, None, customer)
    raise NoSuchEntityError(f"Policy {arn} does not exist or is not attachable.")
