"""The conformance oracle's cases, read from `cases/*.json`: what AWS answers, as data.

A case file is `{"service": "lambda", "cases": [...]}`; each case is

    {"id": "...",                      unique across files
     "source": "...",                  where AWS's answer was read (API reference, botocore's
                                       model, a publicly recorded response)
     "setup": [{"operation": "CreateFunction", "params": {...}}, ...],   optional, must succeed;
                                       a step's `"save": {"queue": "QueueUrl"}` names output
                                       members later strings may use as `{queue}`
     "request": {"operation": "GetFunction", "params": {...}},
     "expect": {"status": 404,
                "code": "ResourceNotFoundException",        omitted for a success
                "message": "Function not found: ...",       exact, or
                "message_pattern": "...",                   a regular expression, full match
                "body_members": ["Message", "Type"],        exactly these JSON members
                "body": {"Type": "User"},                   these members with these values
                "fields": {"FunctionArn": "..."}},          parsed output members (successes);
                                                            objects and lists as subsets
     "mismatch": "why Stockade deliberately answers otherwise"}   optional

Strings may name `{account}`, `{region}` and `{fn}` (a function name of the case's own);
`"$zip"` stands for a small Python deployment package.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CASES_DIR = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class Call:
    operation: str
    params: dict[str, Any] = field(default_factory=dict)
    save: dict[str, str] = field(default_factory=dict)  # placeholder -> output member


@dataclass(frozen=True)
class Expect:
    status: int
    code: str | None = None
    message: str | None = None
    message_pattern: str | None = None
    body_members: tuple[str, ...] | None = None
    body: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    id: str
    service: str
    source: str
    request: Call
    expect: Expect
    setup: tuple[Call, ...] = ()
    mismatch: str | None = None


_CASE_KEYS = {"id", "source", "setup", "request", "expect", "mismatch"}
_EXPECT_KEYS = {"status", "code", "message", "message_pattern", "body_members", "body", "fields"}


def _call(raw: dict[str, Any]) -> Call:
    return Call(str(raw["operation"]), dict(raw.get("params", {})), dict(raw.get("save", {})))


def _case(service: str, raw: dict[str, Any]) -> Case:
    unknown = set(raw) - _CASE_KEYS
    if unknown or not raw.get("source"):
        raise ValueError(f"case {raw.get('id')}: unknown keys {unknown} or no source")
    expect = raw["expect"]
    if set(expect) - _EXPECT_KEYS:
        raise ValueError(f"case {raw['id']}: unknown expectations {set(expect) - _EXPECT_KEYS}")
    members = expect.get("body_members")
    return Case(
        id=str(raw["id"]),
        service=service,
        source=str(raw["source"]),
        request=_call(raw["request"]),
        expect=Expect(
            status=int(expect["status"]),
            code=expect.get("code"),
            message=expect.get("message"),
            message_pattern=expect.get("message_pattern"),
            body_members=None if members is None else tuple(sorted(members)),
            body=dict(expect.get("body", {})),
            fields=dict(expect.get("fields", {})),
        ),
        setup=tuple(_call(step) for step in raw.get("setup", [])),
        mismatch=raw.get("mismatch"),
    )


def load(directory: Path = CASES_DIR) -> list[Case]:
    """Every case of every file, in file then listed order; ids must be unique."""
    cases: list[Case] = []
    for path in sorted(directory.glob("*.json")):
        document = json.loads(path.read_text())
        cases.extend(_case(document["service"], raw) for raw in document["cases"])
    ids = [case.id for case in cases]
    if len(ids) != len(set(ids)):
        raise ValueError("conformance case ids must be unique")
    return cases
