"""A scheduled rule's counters on the fake clock: each fire is a TriggeredRules (and its
target's Invocations) but matches no event (MatchedEvents counts events matched by a pattern;
EventBridge user guide, eb-monitoring); the totals are saved when the server stops and counted
on after a restart. Read as the operator reads them, `stockade stats --rule`, with no server
up (the operator's command then runs through a kernel of its own over the data dir)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from stockade.cli.main import cli
from stockade.clock import FakeClock
from tests.control.test_events_schedules import START, at, delivered, fire, scheduled_rule, times
from tests.support.inprocess import InProcessServer


def rule_stats(data: Path, name: str) -> dict[str, int]:
    done = CliRunner().invoke(cli, ["stats", "--rule", name, "--json", "--data-dir", str(data)])
    assert done.exit_code == 0, done.output
    found: dict[str, int] = json.loads(done.output)
    return found


def test_schedule_fires_are_triggered_rules_counted_across_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with InProcessServer(data, clock=FakeClock(START)) as server:
        name, _, url = scheduled_rule(server, "cron(0/5 * * * ? *)")
        for minute in (5, 10):
            at(server, datetime(2026, 3, 2, 10, minute, 1, tzinfo=UTC))
            fire(server)
            assert len(delivered(server, url)) == 1
    assert rule_stats(data, name) == {
        "MatchedEvents": 0,
        "TriggeredRules": 2,
        "Invocations": 2,
        "FailedInvocations": 0,
        "InvocationsSentToDlq": 0,
        "InvocationsFailedToBeSentToDlq": 0,
        "RetryInvocationAttempts": 0,
    }
    later = FakeClock(datetime(2026, 3, 2, 10, 14, 0, tzinfo=UTC))
    with InProcessServer(data, clock=later) as server:
        at(server, datetime(2026, 3, 2, 10, 15, 1, tzinfo=UTC))
        fire(server)
        assert times(delivered(server, url)) == ["2026-03-02T10:15:00Z"]
    counted = rule_stats(data, name)
    assert (counted["TriggeredRules"], counted["Invocations"], counted["MatchedEvents"]) == (
        3,
        3,
        0,
    )
