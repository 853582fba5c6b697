"""The unmodified AWS CLI (awscli from PyPI) run against a server, one process per call, with
its parsed output and, for a failure, its exit code and stderr as a user would see them."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from tests.support.server import RunningServer

# The exit code for an error the service returned: the AWS CLI v1 installed here exits 255
# (awscli/clidriver.py); v2 exits 254 ("Return codes" in the AWS CLI v2 user guide).
SERVICE_ERROR = 255


@dataclass(frozen=True)
class Failed:
    code: int
    stderr: str


def _run(server: RunningServer, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "awscli", *args],
        env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def cli(server: RunningServer, *args: str) -> Any:
    """`aws ARGS --output json`, parsed (None when the CLI prints nothing)."""
    done = _run(server, (*args, "--output", "json"))
    if done.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return json.loads(done.stdout) if done.stdout.strip() else None


def cli_text(server: RunningServer, *args: str) -> str:
    """`aws ARGS --output text` (usually with --query), stripped of the final newline."""
    done = _run(server, (*args, "--output", "text"))
    if done.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done.stdout.rstrip("\n")


def cli_fails(server: RunningServer, *args: str) -> Failed:
    """A call that must fail: its exit code and what it printed on stderr (stdout empty)."""
    done = _run(server, args)
    assert done.returncode != 0, done.stdout
    assert done.stdout == ""
    return Failed(done.returncode, done.stderr.strip())


def service_error(operation: str, code: str, message: str) -> str:
    """The line the CLI prints for an error the service returned (exit code SERVICE_ERROR)."""
    return f"An error occurred ({code}) when calling the {operation} operation: {message}"
