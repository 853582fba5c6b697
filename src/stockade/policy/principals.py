"""The `Principal` / `NotPrincipal` element: parsing, and naming the caller of a request.

Principals are compared exactly (no partial wildcards, as IAM requires). `"Principal": "*"`
names everyone, services included; `{"AWS": "*"}` names every AWS principal, anonymous callers
included. An account can be written as `123456789012` or `arn:aws:iam::123456789012:root`.

`NotPrincipal` is resolved against the caller's whole chain (session, role, account; see
`request`), failing closed: a `Deny` with `NotPrincipal` spares the caller only if every link
of the chain is listed, and an `Allow` with `NotPrincipal` applies only if no link is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from stockade.policy.errors import MalformedPolicyDocumentError
from stockade.policy.jsontext import SYNTAX_ERROR, JsonValue
from stockade.policy.matching import split_arn
from stockade.policy.request import Grant, LinkNames, RequestPrincipal, is_account_id

ELEMENTS = ("AWS", "Service", "Federated", "CanonicalUser")
# ARN service -> accepted beginnings of the resource part of a principal ARN.
_ARN_FORMS = {"iam": ("root", "user/", "role/"), "sts": ("assumed-role/", "federated-user/")}


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A parsed Principal element: `everyone` for `"*"`, else names per element."""

    everyone: bool
    names: Mapping[str, frozenset[str]]

    def _names_link(self, link: LinkNames) -> bool:
        for element, names in link:
            listed = self.names.get(element)
            if listed is not None and not listed.isdisjoint(names):
                return True
        return False

    def grant_for(self, principal: RequestPrincipal) -> Grant | None:
        """The strongest link of the caller this element names, or None."""
        if self.everyone:
            return Grant.DIRECT
        for grant, link in principal.links:
            if self._names_link(link):
                return grant
        return None

    def names_whole_chain(self, principal: RequestPrincipal) -> bool:
        """True if every link of the caller's chain is named (spares it from a Deny)."""
        return self.everyone or all(self._names_link(link) for _, link in principal.links)

    def names_any_link(self, principal: RequestPrincipal) -> bool:
        """True if some link of the caller's chain is named (keeps it out of an Allow)."""
        return self.grant_for(principal) is not None


def _valid_aws(value: str) -> bool:
    if value == "*" or is_account_id(value):
        return True
    parts = split_arn(value)
    if parts is None or "*" in value or "?" in value:
        return False
    scheme, partition, service, region, account, resource = parts
    forms = _ARN_FORMS.get(service, ())
    if scheme != "arn" or not partition or region or not is_account_id(account):
        return False
    if resource == "root":
        return service == "iam"
    return any(resource.startswith(form) and len(resource) > len(form) for form in forms)


def _valid_other(value: str) -> bool:
    return bool(value) and "*" not in value and "?" not in value


def _invalid(element: str, value: str, where: str) -> MalformedPolicyDocumentError:
    return MalformedPolicyDocumentError(
        f'Invalid principal in policy: "{element}":"{value}"', where
    )


def parse_principal(value: JsonValue, where: str) -> PrincipalSpec:
    """Parse a Principal or NotPrincipal value."""
    if value == "*":
        return PrincipalSpec(True, MappingProxyType({}))
    if not isinstance(value, dict) or not value:
        raise MalformedPolicyDocumentError(SYNTAX_ERROR, where)
    names: dict[str, frozenset[str]] = {}
    for element, raw in value.items():
        items = raw if isinstance(raw, list) else [raw]
        if element not in ELEMENTS or not items:
            raise MalformedPolicyDocumentError(SYNTAX_ERROR, f"{where}.{element}")
        checked: list[str] = []
        for item in items:
            if not isinstance(item, str):
                raise MalformedPolicyDocumentError(SYNTAX_ERROR, f"{where}.{element}")
            valid = _valid_aws(item) if element == "AWS" else _valid_other(item)
            if not valid:
                raise _invalid(element, item, where)
            checked.append(item)
        names[element] = frozenset(checked)
    return PrincipalSpec(False, MappingProxyType(names))
