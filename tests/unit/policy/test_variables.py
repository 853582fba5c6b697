"""Policy variables: parsing `${...}`, defaults, escapes, and ARN patterns holding variables."""

from __future__ import annotations

import pytest

from stockade.policy.matching import ArnGlob, split_arn
from stockade.policy.variables import (
    ArnTemplate,
    Piece,
    Template,
    Variable,
    compile_arn_pattern,
    split_arn_template,
)

TEMPLATE_CASES: list[tuple[str, str, tuple[Piece | Variable, ...]]] = [
    ("plain-text", "home/alice", (("home/alice", False),)),
    ("empty-text", "", (("", False),)),
    (
        "variable-between-text",
        "home/${aws:username}/*",
        (("home/", False), Variable("aws:username", None), ("/*", False)),
    ),
    ("key-is-lower-cased", "${AWS:UserName}", (Variable("aws:username", None),)),
    ("spaces-around-key", "${ aws:username }", (Variable("aws:username", None),)),
    (
        "tag-key-may-hold-spaces",
        "${aws:PrincipalTag/cost center}",
        (Variable("aws:principaltag/cost center", None),),
    ),
    (
        "default-value",
        "${aws:PrincipalTag/team, 'Shared Team'}",
        (Variable("aws:principaltag/team", "Shared Team"),),
    ),
    ("default-without-spaces", "${aws:username,'x'}", (Variable("aws:username", "x"),)),
    ("escaped-star", "a${*}b", (("a", False), ("*", True), ("b", False))),
    ("escaped-question-and-dollar", "${?}${$}", (("?", True), ("$", True))),
    ("unterminated-variable-is-text", "a${aws:username", (("a${aws:username", False),)),
    ("name-without-vendor-is-text", "${username}", (("${username}", False),)),
    ("empty-name-is-text", "${}", (("${}", False),)),
    ("default-not-quoted-is-text", "${aws:username, x}", (("${aws:username, x}", False),)),
    ("default-not-closed-is-text", "${aws:username, 'x}", (("${aws:username, 'x}", False),)),
    ("text-after-default-is-text", "${aws:username, 'x' y}", (("${aws:username, 'x' y}", False),)),
    (
        "bad-default-then-variable",
        "${a:b, x}${aws:username}",
        (("${a:b, x}", False), Variable("aws:username", None)),
    ),
    ("quote-in-name-is-text", "${a:b'}", (("${a:b'}", False),)),
]


@pytest.mark.parametrize(
    ("text", "parts"), [c[1:] for c in TEMPLATE_CASES], ids=[c[0] for c in TEMPLATE_CASES]
)
def test_template_parsing(text: str, parts: tuple[Piece | Variable, ...]) -> None:
    assert Template.parse(text).parts == parts


def test_required_keys_skip_variables_with_defaults() -> None:
    template = Template.parse("${aws:username}/${aws:PrincipalTag/team, 'x'}")
    assert template.required_keys() == {"aws:username"}
    assert len(template.variables) == 2


def test_resolution_uses_single_values_or_defaults() -> None:
    template = Template.parse("${aws:username}:${aws:PrincipalTag/team, 'shared'}")
    context = {"aws:username": ("alice",), "aws:principaltag/team": ("a", "b")}
    assert template.pieces(context) == (("alice", True), (":", False), ("shared", True))


def test_substituted_text_is_literal_in_globs() -> None:
    glob = Template.parse("home/${aws:username}/*").glob({"aws:username": ("a*",)})
    assert glob.matches("home/a*/notes")
    assert not glob.matches("home/ab/notes")


def test_split_arn_template_ignores_colons_inside_variables() -> None:
    text = "arn:aws:s3:::home/${aws:userid}/${aws:username, 'a:b'}"
    assert split_arn_template(text) == [
        "arn",
        "aws",
        "s3",
        "",
        "",
        "home/${aws:userid}/${aws:username, 'a:b'}",
    ]


def test_split_arn_template_counts_colons_of_text_that_is_not_a_variable() -> None:
    assert split_arn_template("arn:aws:${:y:z}:") == ["arn", "aws", "${", "y", "z}", ""]
    assert split_arn_template("arn:aws:s3:${a:b}") is None


def test_compile_arn_pattern_keeps_templates_for_variable_segments_only() -> None:
    compiled = compile_arn_pattern(
        "arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}", variables=True
    )
    assert isinstance(compiled, ArnTemplate)
    assert compiled.required_keys() == {"aws:principalaccount", "aws:username"}
    resolved = compiled.resolve(
        {"aws:principalaccount": ("111122223333",), "aws:username": ("bo",)}
    )
    assert resolved.matches(split_arn("arn:aws:iam::111122223333:user/bo"))


def test_compile_arn_pattern_without_variables() -> None:
    escaped = compile_arn_pattern("arn:aws:s3:::a${*}b", variables=True)
    assert isinstance(escaped, ArnGlob)
    assert escaped.matches(split_arn("arn:aws:s3:::a*b"))
    assert not escaped.matches(split_arn("arn:aws:s3:::axb"))
    legacy = compile_arn_pattern("arn:aws:s3:::a${*}b", variables=False)
    assert isinstance(legacy, ArnGlob)
    assert legacy.matches(split_arn("arn:aws:s3:::a${xyz}b"))
    assert compile_arn_pattern("arn:aws:s3", variables=True) is None
