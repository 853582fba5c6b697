"""Compliance that changes with the date alone: a function deployed on python3.11 before its
deprecation date (2026-06-30) is compliant; once the date has passed, the server's scheduled
evaluation (at start, then hourly) records it NON_COMPLIANT and tells the webhook, with no
request and no operator action.

The deployment happens with the server and the CLI running before the date (libfaketime, for
those processes only); the check, on the real clock."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_compliance import DEPRECATION, receiving, stockade
from tests.integration.test_signature_expiry import LIBFAKETIME
from tests.support.packages import PYTHON_ECHO
from tests.support.server import REPO, RunningServer, start_server

pytestmark = pytest.mark.integration

BEFORE_THE_DEPRECATION = {
    "LD_PRELOAD": str(LIBFAKETIME),
    "FAKETIME": "@2026-06-01 12:00:00",
    "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # timeouts and sleeps keep real time
}


def in_the_past(server: RunningServer, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], env=server.cli_env() | BEFORE_THE_DEPRECATION,
        capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
    )  # fmt: skip


def deprecation_changes(data_dir: Path) -> list[dict[str, Any]]:
    rows = json.loads(stockade("compliance", "changes", "--json", "--data-dir",
                               str(data_dir)).stdout)  # fmt: skip
    return [r for r in rows if r["function"] == "legacy" and r["rule"] == DEPRECATION]


def test_a_deprecation_date_passing_is_recorded_without_any_request(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    package = tmp_path / "app.zip"
    package.write_bytes(PYTHON_ECHO)
    # No function network: the network tools' bounded waits do not work under a faked clock.
    past = start_server(
        data_dir, None, "--function-network", "none", env_extra=BEFORE_THE_DEPRECATION
    )
    try:
        created = in_the_past(
            past, "awscli", "lambda", "create-function", "--function-name", "legacy",
            "--runtime", "python3.11", "--handler", "app.handler",
            "--role", f"arn:aws:iam::{past.account_id}:role/stockade-lambda-basic-execution",
            "--zip-file", f"fileb://{package}", "--output", "json",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
    finally:
        assert past.stop() == 0
    [deployed] = deprecation_changes(data_dir)
    assert (deployed["eventName"], deployed["after"]) == ("CreateFunction20150331", "COMPLIANT")
    assert deployed["time"].startswith("2026-06-01")

    with receiving() as receiver:
        stockade("compliance", "webhook", receiver.url, "--data-dir", str(data_dir))
        # The same network as before: only the date changed (else the start records a change).
        server = start_server(data_dir, None, "--function-network", "none")
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(deprecation_changes(data_dir)) < 2:
                time.sleep(0.2)
            scheduled = deprecation_changes(data_dir)[-1]
            assert (scheduled["eventName"], scheduled["requestID"]) == (
                "StockadeScheduledEvaluation", None
            )  # fmt: skip
            assert (scheduled["before"], scheduled["after"]) == ("COMPLIANT", "NON_COMPLIANT")
            assert "python3.11 is deprecated since 2026-06-30" in scheduled["reason"]
            receiver.wait_for("legacy", DEPRECATION, "NON_COMPLIANT", None)
            [notice] = receiver.notices("legacy")
            assert notice["cause"]["eventName"] == "StockadeScheduledEvaluation"
            assert notice["oldEvaluationResult"]["complianceType"] == "COMPLIANT"
            # No request touched the function: its configuration history is the one item.
            history = json.loads(stockade("config", "history", "legacy", "--json",
                                          "--data-dir", str(data_dir)).stdout)  # fmt: skip
            related = [item["relatedEvents"][0]["eventName"] for item in history]
            assert related == ["CreateFunction20150331"]
        finally:
            assert server.stop() == 0
