"""The resource policy that bears on a Lambda ARN, parsed once per text, and whether it is public.

A function's policy is per qualifier: the unqualified function (and `$LATEST`) has one, each
version and alias has its own. A layer version has its own. `is_public` is the rule the audit
and compliance layers use (domain/public_access.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from stockade import policy
from stockade.domain.arn import LATEST, Arn
from stockade.domain.errors import InvalidArnError
from stockade.domain.public_access import is_public
from stockade.policy import AttachedPolicy, PolicyKind
from stockade.store.ports import Transaction
from stockade.types import AccountId, ascii_digits


@dataclass(frozen=True)
class GoverningPolicy:
    """A resource policy ready for evaluation, and whether it makes the resource public."""

    attached: AttachedPolicy
    public: bool


@lru_cache(maxsize=4096)
def governing(policy_id: str, document: str) -> GoverningPolicy:
    """Parse (once per distinct text) a stored policy; stored text always parses."""
    parsed = policy.parse_policy(document, PolicyKind.RESOURCE)
    return GoverningPolicy(AttachedPolicy(policy_id, parsed), is_public(document))


def qualifier_key(qualifier: str | None) -> str:
    """Storage key of a function policy: "" for the function itself (and `$LATEST`)."""
    return "" if qualifier in (None, "", LATEST) else str(qualifier)


def function_policy(tx: Transaction, region: str, resource: str) -> GoverningPolicy | None:
    """The policy of the function, version or alias the ARN `resource` names, if any."""
    named = _named(region, resource, "function")
    if named is None:
        return None
    account, rest = named
    name, _, qualifier = rest.partition(":")
    found = tx.resource_policies.get_function_policy(account, name, qualifier_key(qualifier))
    if found is None or not found.statements:
        return None
    return governing(resource, found.document())


def layer_version_policy(tx: Transaction, region: str, resource: str) -> GoverningPolicy | None:
    """The policy of the layer version the ARN `resource` names, if any (a layer ARN
    without a version has none)."""
    named = _named(region, resource, "layer")
    if named is None:
        return None
    account, rest = named
    name, _, version = rest.partition(":")
    if not ascii_digits(version):
        return None
    found = tx.resource_policies.get_layer_policy(account, name, int(version))
    if found is None or not found.statements:
        return None
    return governing(resource, found.document())


def _named(region: str, resource: str, kind: str) -> tuple[AccountId, str] | None:
    """The account and the rest of a Lambda ARN of `kind` in `region` (else None)."""
    if not resource.startswith("arn:"):
        return None
    try:
        arn = Arn.parse(resource)
    except InvalidArnError:
        return None
    if arn.service != "lambda" or arn.region != region:
        return None
    found, _, rest = arn.resource.partition(":")
    return (AccountId(arn.account), rest) if found == kind else None
