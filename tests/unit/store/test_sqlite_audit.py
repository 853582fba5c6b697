"""The audit lookup index: idempotent by event id, filtered by one attribute, paged newest
first, trimmed to its retention."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stockade.clock import FakeClock
from stockade.store.audit_ports import LookupQuery
from stockade.store.sqlite_audit import SqliteAuditIndex

ACCOUNT = "111122223333"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def record(n: int, *, name: str = "GetFunction", account: str = ACCOUNT,
           when: datetime = NOW, user: str = "alice") -> dict[str, Any]:  # fmt: skip
    return {
        "eventID": f"event-{n}",
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventName": name,
        "eventSource": "lambda.amazonaws.com",
        "readOnly": name.startswith("Get"),
        "recipientAccountId": account,
        "userIdentity": {"type": "IAMUser", "userName": user, "accessKeyId": f"AKIA{user.upper()}"},
        "requestParameters": {"FunctionName": f"fn-{n % 3}"},
    }


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SqliteAuditIndex]:
    opened = SqliteAuditIndex(tmp_path / "index.db", FakeClock(NOW), retention_days=90)
    yield opened
    opened.close()


def query(attribute: tuple[str, str] | None = None, **kwargs: Any) -> LookupQuery:
    bounds = {"start_ms": 0, "end_ms": 2**62, "after": None, "limit": 50}
    return LookupQuery(account_id=ACCOUNT, attribute=attribute, **{**bounds, **kwargs})


def test_adding_twice_indexes_once_and_filters_by_attribute(index: SqliteAuditIndex) -> None:
    batch = [record(n, name="CreateFunction" if n == 4 else "GetFunction",
                    user="bob" if n == 5 else "alice") for n in range(6)]  # fmt: skip
    index.add(batch)
    index.add(batch)
    index.add([record(9, account="999988887777")])
    index.flush()
    events, more = index.lookup(query())
    assert len(events) == 6
    assert more is None
    assert [e.event_id for e in index.lookup(query(("EventName", "CreateFunction")))[0]] == [
        "event-4"
    ]
    assert [e.event_id for e in index.lookup(query(("Username", "bob")))[0]] == ["event-5"]
    assert [e.event_id for e in index.lookup(query(("AccessKeyId", "AKIABOB")))[0]] == ["event-5"]
    assert len(index.lookup(query(("ReadOnly", "false")))[0]) == 1
    named = index.lookup(query(("ResourceName", "fn-1")))[0]
    assert sorted(e.event_id for e in named) == ["event-1", "event-4"]
    assert named[0].resources == (("AWS::Lambda::Function", "fn-1"),)


def test_pages_run_newest_first_without_gaps_or_repeats(index: SqliteAuditIndex) -> None:
    index.add([record(n, when=NOW + timedelta(seconds=n // 2)) for n in range(11)])
    index.flush()
    seen: list[str] = []
    after = None
    for _ in range(10):
        events, after = index.lookup(query(after=after, limit=4))
        seen += [e.event_id for e in events]
        if after is None:
            break
    assert len(seen) == 11
    assert len(set(seen)) == 11
    assert seen[0] == "event-10"


def test_events_past_retention_are_trimmed(tmp_path: Path) -> None:
    index = SqliteAuditIndex(tmp_path / "index.db", FakeClock(NOW), retention_days=1)
    try:
        index.add([record(1, when=NOW - timedelta(days=2)), record(2, when=NOW)])
        index.flush()
        assert [e.event_id for e in index.lookup(query())[0]] == ["event-2"]
    finally:
        index.close()
