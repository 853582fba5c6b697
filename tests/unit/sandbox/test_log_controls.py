"""The host's reading of application log levels (Lambda's "Log-level filtering" rules)."""

from __future__ import annotations

import json

import pytest

from stockade.sandbox.log_controls import Level, LogControls, LogFormat, application_level


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ('{"level": "DEBUG", "message": "m"}', Level.DEBUG),
        ('{"level": "debug"}', Level.DEBUG),  # Lambda's own example is lower case
        ('  {"level": "WARNING"}', Level.WARN),  # Python's logging names
        ('{"level": "CRITICAL"}', Level.FATAL),
        ('{"level": "TRACE"}', Level.TRACE),
        ('{"level": "nope"}', Level.INFO),  # invalid: INFO
        ('{"level": 10}', Level.INFO),
        ('{"message": "no level"}', Level.INFO),
        ("plain text", Level.INFO),
        ('["level", "DEBUG"]', Level.INFO),
        ('{"level": "DEBUG"', Level.INFO),  # truncated
        ('{"a":' * 5_000 + "1" + "}" * 5_000, Level.INFO),  # nesting past the recursion limit
    ],
)
def test_application_level(line: str, level: Level) -> None:
    assert application_level(line) is level


def test_text_keeps_everything_and_json_filters_by_both_levels() -> None:
    text = LogControls()
    assert text.keeps_application('{"level": "TRACE"}')
    assert text.keeps_system(Level.DEBUG)
    json_warn = LogControls(LogFormat.JSON, application_level=Level.WARN, system_level=Level.WARN)
    assert not json_warn.keeps_application(json.dumps({"level": "INFO"}))
    assert json_warn.keeps_application(json.dumps({"level": "ERROR"}))
    assert not json_warn.keeps_application("print() output is INFO")
    assert not json_warn.keeps_system(Level.INFO)
    assert json_warn.keeps_system(Level.WARN)
