"""Runs a conformance case against Stockade in-process and says how the answer differs.

The request goes through boto3 (client-side validation off, so that Stockade's own checks
answer) and the whole ASGI app of `InProcessServer`; the raw response is read back as well as
botocore's parse of it, so that member names in the error body are checked as sent.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError

from tests.conformance.cases import Call, Case
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO


def _fill(value: Any, names: dict[str, str]) -> Any:
    if value == "$zip":
        return PYTHON_ECHO
    if isinstance(value, str):
        for key, text in names.items():
            value = value.replace("{" + key + "}", text)
        return value
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    return value


class _Captured:
    def __init__(self) -> None:
        self.status = 0
        self.body = b""

    def __call__(self, http_response: Any, **_: Any) -> None:
        self.status = http_response.status_code
        self.body = http_response.content


def _invoke(client: Any, call: Call, names: dict[str, str]) -> tuple[dict[str, Any], bool]:
    method = getattr(client, xform_name(call.operation))
    try:
        return method(**_fill(call.params, names)), True
    except ClientError as error:
        return dict(error.response), False


def run(server: InProcessServer, case: Case) -> list[str]:
    """The differences between Stockade's answer and AWS's (empty: the case passes)."""
    names = {
        "account": server.account_id,
        "region": server.region,
        "fn": f"cf-{uuid.uuid4().hex[:12]}",
    }
    client = server.client(case.service, validate=False)
    for step in case.setup:
        answer, ok = _invoke(client, step, names)
        if not ok:
            return [f"setup {step.operation} failed: {answer.get('Error')}"]
        names.update({key: str(answer[member]) for key, member in step.save.items()})
    captured = _Captured()
    client.meta.events.register(f"after-call.*.{case.request.operation}", captured)
    parsed, _ = _invoke(client, case.request, names)
    return _compare(case, names, captured, parsed)


def _compare(
    case: Case, names: dict[str, str], captured: _Captured, parsed: dict[str, Any]
) -> list[str]:
    expect = case.expect
    problems = []
    if captured.status != expect.status:
        problems.append(f"status {captured.status}, AWS {expect.status}")
    error = parsed.get("Error", {})
    if error.get("Code") != expect.code:
        problems.append(f"code {error.get('Code')!r}, AWS {expect.code!r}")
    message = error.get("Message")
    if expect.message is not None and message != _fill(expect.message, names):
        problems.append(f"message {message!r}, AWS {_fill(expect.message, names)!r}")
    if expect.message_pattern is not None:
        pattern = _fill(expect.message_pattern, names)
        if message is None or re.fullmatch(pattern, message, re.DOTALL) is None:
            problems.append(f"message {message!r} does not match {pattern!r}")
    if expect.body_members is not None or expect.body:
        problems.extend(_body(expect.body_members, _fill(expect.body, names), captured.body))
    for name, value in _fill(expect.fields, names).items():
        if not _matches(_get(parsed, name), value):
            problems.append(f"{name} {_get(parsed, name)!r}, AWS {value!r}")
    return problems


def _body(members: tuple[str, ...] | None, values: dict[str, Any], raw: bytes) -> list[str]:
    try:
        document = json.loads(raw)
    except ValueError:
        return [f"body is not JSON: {raw[:200]!r}"]
    problems = []
    if members is not None and tuple(sorted(document)) != members:
        problems.append(f"body members {sorted(document)}, AWS {list(members)}")
    for name, value in values.items():
        if document.get(name) != value:
            problems.append(f"body {name} {document.get(name)!r}, AWS {value!r}")
    return problems


def _matches(actual: Any, expected: Any) -> bool:
    """`expected` as a subset: an object's members listed there, a list element by element."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            _matches(actual.get(key), value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_matches(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected)


def _get(document: dict[str, Any], dotted: str) -> Any:
    found: Any = document
    for part in dotted.split("."):
        found = found.get(part) if isinstance(found, dict) else None
    return found
