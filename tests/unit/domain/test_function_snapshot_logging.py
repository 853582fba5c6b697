"""A function's configuration item records its logging settings (a change is a recorded change),
and a Text function's snapshot keeps the shape it always had."""

from __future__ import annotations

from datetime import UTC, datetime

from stockade.domain.arn import LATEST
from stockade.domain.function import Code, Function, FunctionConfig, FunctionVersion
from stockade.domain.function_snapshot import NetworkMode, function_configuration
from stockade.types import AccountId, Sha256Hex

ACCOUNT = AccountId("123456789012")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def snapshot(config: FunctionConfig) -> dict[str, object]:
    function = Function(ACCOUNT, "fn", created=NOW)
    latest = FunctionVersion(
        ACCOUNT, "fn", LATEST, config, Code(Sha256Hex("00" * 32), 1, 1), "rev", NOW
    )
    item = function_configuration(function, latest, "us-east-1", {}, [], NetworkMode.ISOLATED)
    logging = item["loggingConfig"]
    assert isinstance(logging, dict)
    return logging


def test_text_snapshot_is_unchanged_and_json_adds_format_and_levels() -> None:
    base = FunctionConfig(runtime="python3.11", handler="app.handler", role="r")
    assert snapshot(base) == {"logGroup": "/aws/lambda/fn"}
    json_config = FunctionConfig(
        runtime="python3.11",
        handler="app.handler",
        role="r",
        log_group="/g",
        log_format="JSON",
        application_log_level="DEBUG",
        system_log_level="WARN",
    )
    assert snapshot(json_config) == {
        "logGroup": "/g",
        "logFormat": "JSON",
        "applicationLogLevel": "DEBUG",
        "systemLogLevel": "WARN",
    }
