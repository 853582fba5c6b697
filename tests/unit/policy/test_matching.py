"""Wildcard matching: the iterative glob matcher against `fnmatch` as a reference, and ARNs."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockade.policy.matching import ArnGlob, Glob, split_arn

# `fnmatch` treats `[` specially; these alphabets keep the two semantics identical.
PATTERNS = st.text(alphabet="ab*?", max_size=12)
SUBJECTS = st.text(alphabet="ab", max_size=12)


def _escaped(text: str) -> str:
    """`text` as an fnmatch pattern matching it literally."""
    return "".join(f"[{c}]" if c in "*?" else c for c in text)


@given(PATTERNS, SUBJECTS)
def test_glob_agrees_with_fnmatch(pattern: str, subject: str) -> None:
    assert Glob.compile(pattern).matches(subject) is fnmatch.fnmatchcase(subject, pattern)


@given(st.lists(st.tuples(PATTERNS, st.booleans()), max_size=4), st.text("ab*?", max_size=12))
def test_literal_pieces_match_only_literally(pieces: list[tuple[str, bool]], subject: str) -> None:
    reference = "".join(_escaped(text) if literal else text for text, literal in pieces)
    glob = Glob.from_pieces(pieces)
    assert glob.matches(subject) is fnmatch.fnmatchcase(subject, reference)


SEGMENTS = st.text(alphabet="ab*?", max_size=5)
VALUE_SEGMENTS = st.text(alphabet="ab", max_size=5)


@given(
    st.lists(SEGMENTS, min_size=6, max_size=6),
    st.lists(VALUE_SEGMENTS, min_size=5, max_size=5),
    st.text(alphabet="ab:", max_size=8),
)
def test_arn_segments_match_independently(
    pattern: list[str], head: list[str], resource: str
) -> None:
    compiled = ArnGlob.compile(":".join(pattern))
    assert compiled is not None
    value = ":".join([*head, resource])
    expected = all(
        fnmatch.fnmatchcase(part, glob)
        for part, glob in zip([*head, resource], pattern, strict=True)
    )
    assert compiled.matches(split_arn(value)) is expected


GLOB_CASES = [
    ("exact", "lambda:invokefunction", "lambda:invokefunction", True),
    ("exact-differs", "lambda:invokefunction", "lambda:invokefunctionurl", False),
    ("star-matches-empty", "a*", "a", True),
    ("head-and-tail", "a*z", "abcz", True),
    ("head-and-tail-overlap", "ab*ba", "aba", False),
    ("question-is-one-character", "a?c", "abc", True),
    ("question-needs-a-character", "a?c", "ac", False),
    ("question-alone", "?", "", False),
    ("middle-chunk-leftmost-fit", "*a?c*b", "xxabcab", True),
    ("middle-chunk-with-question-missing", "*a?c*", "xxab", False),
    ("middle-plain-chunk-missing", "a*b*c", "ac", False),
    ("question-in-last-chunk", "a*?z", "az", False),
    ("only-stars", "**", "", True),
    ("star-is-greedy-enough", "*ab", "aab", True),
]


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [case[1:] for case in GLOB_CASES],
    ids=[case[0] for case in GLOB_CASES],
)
def test_glob_cases(pattern: str, subject: str, expected: bool) -> None:
    assert Glob.compile(pattern).matches(subject) is expected


def test_folded_glob_is_lower_case() -> None:
    glob = Glob.compile("Lambda:Invoke*", fold=True)
    assert glob.pattern == "lambda:invoke*"
    assert glob.matches("lambda:invokefunction")
    assert not glob.matches("Lambda:InvokeFunction")


def test_split_arn_keeps_colons_in_the_resource() -> None:
    assert split_arn("arn:aws:lambda:us-east-1:111122223333:function:f:prod") == (
        "arn",
        "aws",
        "lambda",
        "us-east-1",
        "111122223333",
        "function:f:prod",
    )
    assert split_arn("arn:aws:s3") is None


def test_arn_glob_needs_six_segments() -> None:
    assert ArnGlob.compile("arn:aws:s3:::bucket") is not None
    assert ArnGlob.compile("arn:aws:s3") is None


def test_arn_glob_never_matches_a_non_arn() -> None:
    compiled = ArnGlob.compile("arn:*:*:*:*:*")
    assert compiled is not None
    assert not compiled.matches(split_arn("*"))


def test_arn_glob_star_stays_in_its_segment() -> None:
    compiled = ArnGlob.compile("arn:aws:lambda:*:111122223333:function:*")
    assert compiled is not None
    assert compiled.matches(split_arn("arn:aws:lambda:eu-west-1:111122223333:function:f"))
    assert not compiled.matches(split_arn("arn:aws:lambda:eu:west:111122223333:function:f"))
