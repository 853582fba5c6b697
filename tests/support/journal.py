"""The shared server's audit journal, read as it is on disk, and its data event selection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.support.server import RunningServer


def journalled(server: RunningServer, request_id: str) -> list[dict[str, Any]]:
    """The audit journal's records of one request (what is on disk now)."""
    path = server.data_dir / "audit" / "journal.jsonl"
    lines = path.read_bytes().splitlines() if path.exists() else []
    records = [json.loads(line.split(b"\t", 1)[1]) for line in lines if b"\t" in line]
    return [r for r in records if r.get("requestID") == request_id]


def select_data_events(server: RunningServer, function_arn: str) -> None:
    server.client("cloudtrail").put_event_selectors(
        TrailName="stockade",
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True,
                         "DataResources": [{"Type": "AWS::Lambda::Function",
                                            "Values": [function_arn]}]}],
    )  # fmt: skip


@contextmanager
def selectors_kept(server: RunningServer) -> Iterator[None]:
    """The trail's event selectors are the shared server's: whatever a test selects, the next
    test gets the selectors this one found."""
    trail = server.client("cloudtrail")
    before = trail.get_event_selectors(TrailName="stockade")["EventSelectors"]
    try:
        yield
    finally:
        trail.put_event_selectors(TrailName="stockade", EventSelectors=before)
