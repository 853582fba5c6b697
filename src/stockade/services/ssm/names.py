"""Parameter names, paths, selectors and ARNs, parsed strictly at the edge.

Rules ("Requirements and constraints for parameter names", Systems Manager user guide; AWS's
messages as moto's AWS-verified tests record them): names are case sensitive; letters,
digits and `.-_` only, `/` between the levels of a hierarchy, which starts with `/`; at most
15 levels and 1011 characters; no `aws` or `ssm` prefix (case-insensitive), and `/aws/...` is
AWS's own namespace. `/name` (one level) and `name` are the same parameter, named `name`.
The ARN is arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>.
A name may carry a selector: `name:3` (a version) or `name:label`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stockade.domain.parameters import HIERARCHY_LEVELS_MAX, NAME_MAX
from stockade.services.ssm.errors import (
    AccessDeniedError,
    HierarchyLevelLimitError,
    ValidationError,
    not_found,
)

_ALLOWED = re.compile(r"[a-zA-Z0-9_.\-/]+")
_ARN = re.compile(r"arn:aws:ssm:([a-z0-9-]+):(\d{12}):parameter/(.*)")
_RESERVED = ("aws", "ssm")
PREFIX_MESSAGE = 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).'
PATH_NAME_MESSAGE = (
    'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it'
    " can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of"
    " letters, numbers and the following 3 symbols .-_"
)
PATH_MESSAGE = (
    "The parameter doesn't meet the parameter name requirements. The parameter name must begin"
    ' with a forward slash "/". It can\'t be prefixed with "aws" or "ssm"'
    " (case-insensitive). It must use only letters, numbers, or the following symbols:"
    " . (period), - (hyphen), _ (underscore). Special characters are not allowed. All"
    ' sub-paths, if specified, must use the forward slash symbol "/". Valid example:'
    " /get/parameters2-/by1./path0_."
)
LEVELS_MESSAGE = (
    "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and"
    " constraints for parameter names in the Amazon Web Services Systems Manager User Guide."
)


def canonical(name: str) -> str:
    """`/name` (one level) is stored and answered as `name`, as AWS does."""
    stripped = name.removeprefix("/")
    return name if "/" in stripped else stripped


def parameter_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:ssm:{region}:{account}:parameter/{name.removeprefix('/')}"


def path_arn(region: str, account: str, path: str) -> str:
    """The resource GetParametersByPath is authorized on: the path as a parameter ARN."""
    return f"arn:aws:ssm:{region}:{account}:parameter/{path.strip('/')}"


def from_reference(reference: str, account: str, region: str) -> str:
    """A parameter of `account` named by name or by ARN (no selector parsing): its name as
    given. An ARN of another account or region names nothing here (ParameterNotFound)."""
    match = _ARN.fullmatch(reference)
    if match is None:
        return reference
    if (match[1], match[2]) != (region, account):
        raise not_found(reference)
    rest = match[3]
    return f"/{rest}" if "/" in rest.partition(":")[0] else rest


def arn_named(reference: str, account: str, region: str) -> str:
    """The ARN a request names (by name or ARN; a selector is not part of it), for
    authorization: an ARN is taken as given, whichever account it names."""
    match = _ARN.fullmatch(reference)
    if match is not None:
        return f"arn:aws:ssm:{match[1]}:{match[2]}:parameter/{match[3].partition(':')[0]}"
    return parameter_arn(region, account, canonical(reference.partition(":")[0]))


def level_count(name: str) -> int:
    return len([part for part in name.split("/") if part])


def checked_new_name(name: str) -> str:
    """The canonical name of a parameter being put, or AWS's error for a name it refuses."""
    bare = name.removeprefix("/")
    is_path = "/" in bare
    if bare.lower().startswith(_RESERVED):
        if name.lower().startswith("/aws/"):
            raise AccessDeniedError(f"No access to reserved parameter name: {name}.")
        raise ValidationError(PATH_NAME_MESSAGE if is_path else PREFIX_MESSAGE)
    if _ALLOWED.fullmatch(name) is None or len(name) > NAME_MAX:
        raise ValidationError(PATH_NAME_MESSAGE)
    if is_path and (not name.startswith("/") or "//" in name or name.endswith("/")):
        raise ValidationError(PATH_MESSAGE)
    if level_count(name) > HIERARCHY_LEVELS_MAX:
        raise HierarchyLevelLimitError(LEVELS_MESSAGE)
    return canonical(name)


def checked_path(path: str) -> str:
    """A GetParametersByPath path (`/` or `/a/b`, with or without a trailing slash)."""
    if path.lower().removeprefix("/").startswith(_RESERVED):
        raise ValidationError(
            'Filters for common parameters can\'t be prefixed with "aws" or "ssm"'
            " (case-insensitive). When using global parameters, please specify within a"
            " global namespace."
        )
    if not path.startswith("/") or "//" in path or _ALLOWED.fullmatch(path) is None:
        raise ValidationError(PATH_MESSAGE)
    if level_count(path) > HIERARCHY_LEVELS_MAX:
        raise HierarchyLevelLimitError(LEVELS_MESSAGE)
    return path.rstrip("/") + "/"


@dataclass(frozen=True)
class Selector:
    """A name as GetParameter reads it: the parameter, and a version or a label, if any."""

    given: str  # as the caller wrote it (errors name it so)
    name: str  # canonical
    version: int | None = None
    label: str | None = None


def selector(reference: str, account: str, region: str) -> Selector:
    """`name`, `name:3`, `name:label`, or the same as an ARN; a second `:` names nothing."""
    text = from_reference(reference, account, region)
    name, colon, rest = text.partition(":")
    if not colon:
        return Selector(reference, canonical(name))
    if ":" in rest or not rest:
        raise not_found(reference)
    if rest.isdigit():
        return Selector(reference, canonical(name), version=int(rest))
    return Selector(reference, canonical(name), label=rest)
