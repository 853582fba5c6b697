"""ParameterFilters (and DescribeParameters' older Filters), parsed strictly into predicates.

Keys and options as the API reference lists them ("ParameterStringFilter"): Name (Equals,
BeginsWith, Contains), Path (OneLevel, Recursive; DescribeParameters only), Type, KeyId, Tier,
DataType (Equals, BeginsWith), Label (GetParametersByPath only) and `tag:<key>` (Equals,
BeginsWith; no values: the tag is present). Errors and messages as AWS answers them (moto's
AWS-verified tests): InvalidFilterKey, InvalidFilterOption, InvalidFilterValue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stockade.domain.parameters import Parameter
from stockade.services.ssm.errors import (
    InvalidFilterKeyError,
    InvalidFilterOptionError,
    InvalidFilterValueError,
    ValidationError,
)
from stockade.services.ssm.names import checked_path

_DESCRIBE_KEYS = ("Path", "Name", "Type", "KeyId", "Tier", "DataType")
_BY_PATH_KEYS = ("Type", "KeyId", "Label", "DataType")
_NEEDS_VALUES = ("Name", "Path", "Type", "KeyId", "Tier", "DataType", "Label")
_TYPES = ("String", "StringList", "SecureString")
_TIERS = ("Standard", "Advanced", "Intelligent-Tiering")

Predicate = Callable[[Parameter], bool]


@dataclass(frozen=True)
class Filter:
    key: str
    option: str
    values: tuple[str, ...]

    def matches(self, parameter: Parameter) -> bool:
        current = parameter.current
        if self.key.startswith("tag:"):
            tag = parameter.tags.get(self.key[4:])
            return tag is not None and (not self.values or _compare(self.option, tag, self.values))
        if self.key == "Label":
            return any(label in self.values for v in parameter.versions for label in v.labels)
        if self.key == "Path":
            return _under(parameter.name, self.values, self.option == "Recursive")
        subject = {
            "Name": _slashed(parameter.name),
            "Type": current.type.value,
            "KeyId": current.key_id or "",
            "Tier": current.tier.value,
            "DataType": current.data_type,
        }[self.key]
        values = self.values
        if self.key == "Name" and self.option != "Contains":
            values = tuple(_slashed(v) for v in values)
        return bool(subject) and _compare(self.option, subject, values)


def _slashed(name: str) -> str:
    return "/" + name.removeprefix("/")


def _compare(option: str, subject: str, values: Sequence[str]) -> bool:
    if option == "BeginsWith":
        return any(subject.startswith(v) for v in values)
    if option == "Contains":
        return any(v in subject for v in values)
    return subject in values


def _under(name: str, paths: Sequence[str], recursive: bool) -> bool:
    full = _slashed(name)
    for path in paths:
        prefix = path.rstrip("/") + "/"
        if full.startswith(prefix) and (recursive or "/" not in full[len(prefix) :]):
            return True
    return False


def parameter_filters(raw: Sequence[Mapping[str, Any]], by_path: bool) -> tuple[Filter, ...]:
    allowed = _BY_PATH_KEYS if by_path else _DESCRIBE_KEYS
    parsed: list[Filter] = []
    for entry in raw:
        key = str(entry["Key"])
        values = tuple(str(v) for v in entry.get("Values") or ())
        if not key.startswith("tag:") and key not in allowed:
            raise InvalidFilterKeyError(
                f"The following filter key is not valid: {key}. Valid filter keys include:"
                f" [{', '.join(allowed)}]."
            )
        if any(f.key == key for f in parsed):
            raise InvalidFilterKeyError(
                f"The following filter is duplicated in the request: {key}. A request can"
                " contain only one occurrence of a specific filter."
            )
        if key in _NEEDS_VALUES and not values:
            raise InvalidFilterValueError(
                f"The following filter values are missing : null for filter key {key}."
            )
        option = str(entry.get("Option") or ("OneLevel" if key == "Path" else "Equals"))
        _check_option(key, option, values)
        parsed.append(Filter(key, option, values))
    return tuple(parsed)


def _check_option(key: str, option: str, values: Sequence[str]) -> None:
    if key == "Path":
        if option not in ("Recursive", "OneLevel"):
            raise InvalidFilterOptionError(
                f"The following filter option is not valid: {option}. Valid options include:"
                " [Recursive, OneLevel]."
            )
        for value in values:
            checked_path(value)
        return
    options: tuple[str, ...] = (
        ("BeginsWith", "Equals", "Contains") if key == "Name" else ("BeginsWith", "Equals")
    )
    if key == "Label":
        options = ("Equals",)
    if option not in options:
        raise InvalidFilterOptionError(
            f"The following filter option is not valid: {option}. Valid options include:"
            f" [{', '.join(options)}]."
        )
    known = {"Type": _TYPES, "Tier": _TIERS}.get(key)
    for value in values if known else ():
        if value not in (known or ()):
            raise InvalidFilterOptionError(
                f"The following filter value is not valid: {value}. Valid values include:"
                f" [{', '.join(known or ())}]."
            )


def old_filters(raw: Sequence[Mapping[str, Any]]) -> tuple[Filter, ...]:
    """DescribeParameters' Filters (Name: BeginsWith; Type, KeyId: Equals)."""
    parsed = []
    for entry in raw:
        key, values = str(entry["Key"]), tuple(str(v) for v in entry["Values"])
        option = "BeginsWith" if key == "Name" else "Equals"
        if key == "Type":
            _check_option(key, option, values)
        parsed.append(Filter(key, option, values))
    return tuple(parsed)


def describe_filters(request: Mapping[str, Any]) -> tuple[Filter, ...]:
    if request.get("Filters") and request.get("ParameterFilters"):
        raise ValidationError("You can use either Filters or ParameterFilters in a single request.")
    if request.get("Filters"):
        return old_filters(request["Filters"])
    return parameter_filters(request.get("ParameterFilters") or (), by_path=False)


def matching(filters: Sequence[Filter]) -> Predicate:
    def predicate(parameter: Parameter) -> bool:
        return all(f.matches(parameter) for f in filters)

    return predicate
