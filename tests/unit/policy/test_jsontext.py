"""Strict JSON decoding of policy text."""

from __future__ import annotations

import pytest

from stockade.policy.errors import MalformedPolicyDocumentError
from stockade.policy.jsontext import MAX_DEPTH, MAX_POLICY_CHARS, JsonNumber, decode


def test_numbers_keep_their_text() -> None:
    assert decode('{"a": [10, 10.0, -1e3]}') == {
        "a": [JsonNumber("10"), JsonNumber("10.0"), JsonNumber("-1e3")]
    }


def test_nesting_up_to_the_limit_is_accepted() -> None:
    text = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert decode(text) is not None


REJECTED = [
    ("not-json", "{"),
    ("trailing-data", "{} {}"),
    ("duplicate-key", '{"a": 1, "a": 2}'),
    ("duplicate-nested-key", '{"a": {"b": 1, "b": 1}}'),
    ("nan", '{"a": NaN}'),
    ("infinity", '{"a": -Infinity}'),
    ("too-deep", "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2)),
    ("too-deep-for-the-parser", "[" * 100_000 + "]" * 100_000),
    ("too-large", '"' + "a" * MAX_POLICY_CHARS + '"'),
]


@pytest.mark.parametrize("text", [r[1] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_rejected_text(text: str) -> None:
    with pytest.raises(MalformedPolicyDocumentError) as caught:
        decode(text)
    assert caught.value.message == "Syntax errors in policy."
