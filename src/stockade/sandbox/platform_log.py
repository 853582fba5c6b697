"""The platform's own log lines for one invocation, in the function's log format.

Text: START / END / REPORT lines (and the timeout or exit lines) as Lambda writes them.
JSON: Lambda's system log records, `{"time", "type", "record"}` with the Telemetry API's record
shapes (Lambda developer guide, "Telemetry API Event schema reference"): `platform.start` and
`platform.report` at INFO, `platform.runtimeDone` at DEBUG, kept or dropped by SystemLogLevel.
A timeout or a runtime exit is the records' `status` ("timeout", "failure"; "error" for an
error the runtime reported) and `errorType`, not a line of its own.

These lines are made here, on the host, from what the host measured; nothing the guest writes
becomes a platform record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stockade.sandbox import function_errors, logs
from stockade.sandbox.log_controls import Level, LogControls

SUCCESS = "success"
ERROR = "error"  # the runtime reported the function's error
FAILURE = "failure"  # the runtime itself failed (exited, ran out of memory)
TIMEOUT = "timeout"


@dataclass(frozen=True)
class Report:
    """What the host measured of one invocation."""

    request_id: str
    status: str
    error_type: str | None
    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_used_mb: int
    init_ms: float | None
    produced_bytes: int


def _time(now: datetime) -> str:
    utc = now.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class PlatformLog:
    def __init__(self, controls: LogControls, version: str, tenant_id: str | None = None) -> None:
        self._controls = controls
        self._version = version
        self._tenant = {"tenantId": tenant_id} if tenant_id is not None else {}

    def _record(self, now: datetime, kind: str, level: Level, record: dict[str, Any]) -> list[str]:
        if not self._controls.keeps_system(level):
            return []
        # Tenant isolation mode: every platform record names the environment's one tenant.
        doc = {"time": _time(now), "type": kind, "record": {**record, **self._tenant}}
        return [json.dumps(doc, separators=(",", ":"))]

    def start(self, now: datetime, request_id: str) -> list[str]:
        if not self._controls.is_json:
            return [logs.start_line(request_id, self._version)]
        record = {"requestId": request_id, "version": self._version}
        return self._record(now, "platform.start", Level.INFO, record)

    def timed_out(self, now: datetime, request_id: str, limit_s: float) -> list[str]:
        if self._controls.is_json:
            return []  # the runtimeDone and report records say "timeout"
        return [function_errors.timed_out_message(now, request_id, limit_s)]

    def exited(self, request_id: str, reason: str, error_type: str) -> list[str]:
        if self._controls.is_json:
            return []  # the records say "failure" with the error type
        return function_errors.exit_log_lines(request_id, reason, error_type)

    def finish(self, now: datetime, report: Report) -> list[str]:
        if not self._controls.is_json:
            return [
                logs.end_line(report.request_id),
                logs.report_line(
                    report.request_id,
                    report.duration_ms,
                    report.billed_ms,
                    report.memory_mb,
                    report.max_used_mb,
                    report.init_ms,
                ),
            ]
        failed = {"errorType": report.error_type} if report.error_type else {}
        done = {
            "requestId": report.request_id,
            "status": report.status,
            **failed,
            "metrics": {
                "durationMs": round(report.duration_ms, 3),
                "producedBytes": report.produced_bytes,
            },
        }
        metrics: dict[str, Any] = {
            "durationMs": round(report.duration_ms, 3),
            "billedDurationMs": report.billed_ms,
            "memorySizeMB": report.memory_mb,
            "maxMemoryUsedMB": report.max_used_mb,
        }
        if report.init_ms is not None:
            metrics["initDurationMs"] = round(report.init_ms, 3)
        summary = {
            "requestId": report.request_id,
            "metrics": metrics,
            "status": report.status,
            **failed,
        }
        return self._record(now, "platform.runtimeDone", Level.DEBUG, done) + self._record(
            now, "platform.report", Level.INFO, summary
        )
