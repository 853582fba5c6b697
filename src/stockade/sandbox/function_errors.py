"""Lambda's error payloads for failures the platform (not the runtime) detects.

The wording is Lambda's, because clients match on it:
  {"errorMessage": "2026-11-22T10:00:03.123Z <id> Task timed out after 3.00 seconds"}
                                                   (the result's error type: Sandbox.Timedout)
  {"errorMessage": "RequestId: <id> Error: Runtime exited with error: signal: killed",
   "errorType": "Runtime.OutOfMemory"}         (or Runtime.ExitError with the exit reason)
"""

from __future__ import annotations

import json
from datetime import datetime

from stockade.sandbox.spec import InvocationResult

TIMEDOUT = "Sandbox.Timedout"
OUT_OF_MEMORY = "Runtime.OutOfMemory"
EXIT_ERROR = "Runtime.ExitError"
INVALID_ENTRYPOINT = "Runtime.InvalidEntrypoint"


def _payload(message: str, error_type: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


def timed_out_message(now: datetime, request_id: str, timeout_s: float) -> str:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    return f"{stamp} {request_id} Task timed out after {timeout_s:.2f} seconds"


def timed_out(now: datetime, request_id: str, timeout_s: float) -> bytes:
    """Lambda's timeout payload carries only the message; the type travels beside it."""
    return json.dumps({"errorMessage": timed_out_message(now, request_id, timeout_s)}).encode()


def runtime_exited(request_id: str, reason: str, oom: bool) -> tuple[bytes, str]:
    error_type = OUT_OF_MEMORY if oom else EXIT_ERROR
    message = f"RequestId: {request_id} Error: Runtime exited with error: {reason}"
    return _payload(message, error_type), error_type


def invalid_entrypoint(request_id: str, detail: str) -> bytes:
    return _payload(f"RequestId: {request_id} Error: {detail}", INVALID_ENTRYPOINT)


def invalid_entrypoint_result(request_id: str, version: str, error: Exception) -> InvocationResult:
    """provided.al2023 without an executable bootstrap: no environment ever existed."""
    return InvocationResult(
        payload=invalid_entrypoint(request_id, str(error)),
        function_error="Unhandled",
        error_type=INVALID_ENTRYPOINT,
        log_tail=b"",
        duration_ms=0.0,
        billed_duration_ms=0,
        init_duration_ms=None,
        max_memory_used_mb=0,
        executed_version=version,
    )


def exit_log_lines(request_id: str, reason: str, error_type: str) -> list[str]:
    return [f"RequestId: {request_id} Error: Runtime exited with error: {reason}", error_type]
