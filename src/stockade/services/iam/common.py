"""What every IAM use case shares: its ports, documents, ARNs, paging and the caller's name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict, TypeVar
from urllib.parse import quote

from typing_extensions import ReadOnly

from stockade import policy
from stockade.clock import Clock
from stockade.domain.arn import iam_arn
from stockade.domain.iam import ManagedPolicy
from stockade.domain.identity import PrincipalKind
from stockade.policy import PolicyKind
from stockade.services.context import RequestContext
from stockade.services.iam.errors import (
    InvalidInputError,
    MalformedPolicyDocumentError,
    NoSuchEntityError,
    ValidationError,
)
from stockade.services.iam.managed import AWS_MANAGED, AWS_POLICY_PREFIX, AwsManagedPolicy
from stockade.store.ports import Store, Transaction
from stockade.types import ascii_digits

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100


@dataclass(frozen=True)
class IamDeps:
    store: Store
    clock: Clock


def entity_arn(ctx: RequestContext, kind: str, name: str, path: str | None = None) -> str:
    return iam_arn(ctx.principal.account_id, f"{kind}{path or '/'}{name}")


def own_name(ctx: RequestContext) -> str:
    """Operations whose UserName is optional act on the calling user (AWS's wording if none)."""
    if ctx.principal.kind is not PrincipalKind.IAM_USER:
        raise ValidationError("Must specify userName when calling with non-User credentials")
    return ctx.principal.name


def refuse_tags(operation: str, request: Mapping[str, object]) -> None:
    """Tags feed tag conditions (aws:ResourceTag, aws:PrincipalTag) Stockade does not evaluate
    for IAM entities: dropping them silently would let a tag-based deny miss, so say no."""
    if request.get("Tags"):
        raise ValidationError(f"Stockade does not support Tags in {operation}.")


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


class Paged(TypedDict, total=False):
    """The paging members every IAM List request has."""

    Marker: ReadOnly[str]
    MaxItems: ReadOnly[int]


class Paging(TypedDict, total=False):
    """The paging members every IAM List response has."""

    IsTruncated: bool
    Marker: str


def page(items: Sequence[T], request: Paged) -> tuple[list[T], Paging]:
    """One page of `items` after the opaque `Marker`, at most `MaxItems` long."""
    marker = request.get("Marker")
    start = 0
    if marker is not None:
        if not ascii_digits(marker):
            raise InvalidInputError("Invalid Marker.")
        start = int(marker)
    limit = request.get("MaxItems") or DEFAULT_MAX_ITEMS
    chunk = list(items[start : start + limit])
    if start + limit < len(items):
        return chunk, {"IsTruncated": True, "Marker": str(start + limit)}
    return chunk, {"IsTruncated": False}


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
