from __future__ import annotations

import json
import signal
from datetime import UTC, datetime

from stockade.sandbox import function_errors
from stockade.sandbox.backend import GuestExit
from stockade.sandbox.entrypoint import EntrypointNotFoundError


def test_timeout_payload_is_lambdas_dated_message_only() -> None:
    now = datetime(2026, 11, 22, 10, 0, 3, 123456, tzinfo=UTC)
    payload = json.loads(function_errors.timed_out(now, "rid", 3))
    assert payload == {
        "errorMessage": "2026-11-22T10:00:03.123Z rid Task timed out after 3.00 seconds"
    }


def test_out_of_memory_is_reported_as_runtime_out_of_memory() -> None:
    payload, error_type = function_errors.runtime_exited("rid", "signal: killed", oom=True)
    assert error_type == "Runtime.OutOfMemory"
    assert json.loads(payload) == {
        "errorMessage": "RequestId: rid Error: Runtime exited with error: signal: killed",
        "errorType": "Runtime.OutOfMemory",
    }


def test_runtime_exit_is_reported_as_exit_error() -> None:
    payload, error_type = function_errors.runtime_exited("rid", "exit status 1", oom=False)
    assert error_type == "Runtime.ExitError"
    assert json.loads(payload)["errorMessage"].endswith("Runtime exited with error: exit status 1")


def test_missing_bootstrap_is_invalid_entrypoint() -> None:
    error = EntrypointNotFoundError(["/var/task/bootstrap", "/opt/bootstrap"])
    result = function_errors.invalid_entrypoint_result("rid", "$LATEST", error)
    assert result.error_type == "Runtime.InvalidEntrypoint"
    assert result.function_error == "Unhandled"
    assert (
        b"Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]" in result.payload
    )


def test_guest_exit_describes_status_in_lambdas_words() -> None:
    assert GuestExit(1 << 8, False).describe() == "exit status 1"
    assert GuestExit(signal.SIGKILL, True).describe() == "signal: killed"
    assert GuestExit(signal.SIGSEGV, False).describe() == "signal: segmentation fault"
    assert GuestExit(None, False).describe() == "signal: killed"
