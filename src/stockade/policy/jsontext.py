"""Strict JSON decoding of policy text: no duplicate keys, no NaN, bounded size and depth.

Numbers are kept as their source text (`JsonNumber`): IAM accepts numbers in condition values,
and comparing `10` and `10.0` is the condition operator's business, not the decoder's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from stockade.policy.errors import MalformedPolicyDocumentError

SYNTAX_ERROR = "Syntax errors in policy."

MAX_POLICY_CHARS = 131_072
"""Far above any AWS policy size limit; larger text is rejected before decoding."""

MAX_DEPTH = 8
"""A valid policy nests at most 5 deep (Statement > [] > Condition > operator > key > [])."""


@dataclass(frozen=True, slots=True)
class JsonNumber:
    """A JSON number, kept as written."""

    text: str


JsonValue = None | bool | str | JsonNumber | list["JsonValue"] | dict[str, "JsonValue"]


def _object(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    result: dict[str, JsonValue] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedPolicyDocumentError(SYNTAX_ERROR, f"duplicate key {key!r}")
        result[key] = value
    return result


def _constant(name: str) -> JsonValue:
    raise MalformedPolicyDocumentError(SYNTAX_ERROR, f"non-standard number {name}")


def _depth(value: JsonValue, level: int) -> None:
    if level > MAX_DEPTH:
        raise MalformedPolicyDocumentError(SYNTAX_ERROR, "nested too deeply")
    children: list[JsonValue] = []
    if isinstance(value, dict):
        children = list(value.values())
    elif isinstance(value, list):
        children = value
    for child in children:
        _depth(child, level + 1)


def decode(text: str) -> JsonValue:
    """Decode policy text strictly; raise `MalformedPolicyDocumentError` on anything odd."""
    if len(text) > MAX_POLICY_CHARS:
        raise MalformedPolicyDocumentError(SYNTAX_ERROR, "document too large")
    try:
        value: JsonValue = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=JsonNumber,
            parse_float=JsonNumber,
            parse_constant=_constant,
        )
    except (ValueError, RecursionError) as exc:
        raise MalformedPolicyDocumentError(SYNTAX_ERROR, "not JSON") from exc
    _depth(value, 0)
    return value
