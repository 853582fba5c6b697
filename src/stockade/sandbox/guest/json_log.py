"""JSON application logs of the built-in Python runtime (LogFormat JSON), as Lambda's has them.

Facts from awslambdaric (the runtime Lambda ships) and the developer guide's "Python Lambda
function logging": a `logging` record becomes one line
  {"timestamp": "2024-01-01T00:00:00.123Z", "level": "INFO", "message": ..., "logger": "root",
   "requestId": ..., and for exceptions "stackTrace", "errorType", "errorMessage", "location"}
plus the record's `extra` fields; absent values are left out. Levels are rounded down to the
standard ones. An unhandled error is one line {"timestamp", "level": "ERROR", "errorMessage",
"errorType", "requestId", "stackTrace"}. `print()` output is not wrapped: it goes out as is.
Lambda's AWS_LAMBDA_LOG_LEVEL TRACE is DEBUG for `logging`. Standard library only.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from datetime import UTC, datetime
from typing import Any

# LogRecord attributes that are the record's own, not a user's `extra`.
_RESERVED = frozenset(
    {
        "name",
        "msg",
        "args",
        "levelname",
        "levelno",
        "pathname",
        "filename",
        "module",
        "exc_info",
        "exc_text",
        "stack_info",
        "lineno",
        "funcName",
        "created",
        "msecs",
        "relativeCreated",
        "thread",
        "threadName",
        "processName",
        "process",
        "taskName",
        "aws_request_id",
        "tenant_id",
    }
)


def is_json_format(value: str | None) -> bool:
    return (value or "").upper() == "JSON"


def logging_level(value: str | None) -> str:
    """The `logging` level name for AWS_LAMBDA_LOG_LEVEL ("" when unset)."""
    name = (value or "").upper()
    return "DEBUG" if name == "TRACE" else name


class JsonFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        result: dict[str, Any] = {
            "timestamp": self.formatTime(record),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc and exc[0] else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "tenantId": getattr(record, "tenant_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in result:
                result[key] = value
        shown = {k: v for k, v in result.items() if v is not None}
        return json.dumps(shown, default=str, ensure_ascii=False) + "\n"


def error_line(error: dict[str, Any]) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json.dumps({"timestamp": stamp, "level": "ERROR", **error}, default=str) + "\n"
