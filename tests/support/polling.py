"""Waiting for something a server does in the background, bounded in time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(check: Callable[[], Any], timeout_s: float = 30.0, interval_s: float = 0.2) -> Any:
    """`check()`'s first truthy answer, polled every `interval_s` for at most `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(interval_s)
    raise AssertionError("timed out")
