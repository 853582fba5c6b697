"""A function's output is charged to the function: floods are rate-limited and dropped with a
marker, close to the guest, at a bounded cost to the server (item 7 of the hardening issue).

Each case runs hostile code (hostile.py) in real sandboxes behind a real server, while a
bystander function is invoked repeatedly. Checked: the bystander's invokes keep working with
normal latency and its logging arrives intact; the server's CPU time (from /proc/<pid>/stat)
grows by a bounded amount; the flooding function's log shows the drop marker with a count.

Margins are generous and documented: the host has two cores shared with other work, and the
flooding function itself is allowed one full vCPU (1769 MB).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = [pytest.mark.security, pytest.mark.slow]

INIT_FLOOD = """
import os, time
_chunk = b"x\\n" * 32768
_deadline = time.monotonic() + 30
while time.monotonic() < _deadline:  # bounded; the 10 s init limit ends it first
    os.write(1, _chunk)

def handler(event, context):
    return "never reached"
"""
CODE = make_zip(
    {"app.py": (Path(__file__).parent / "hostile.py").read_text(), "init_flood.py": INIT_FLOOD}
)
ROLE = "arn:aws:iam::{account}:role/stockade-lambda-basic-execution"
DROP_MARKER = re.compile(r"^\[stockade\] .*dropped (\d+) bytes \((\d+) lines\)")

# Extra server CPU allowed while one function floods, in CPU-seconds per second of flood, over
# the same bystander traffic without a flood. The limits this checks: at most 5 MiB/s and
# 5,000 lines/s stored for a 1769 MB function, and the drained-and-dropped rest read at most
# every 50 ms (policies/limits.json). Before those limits the server spent about a whole CPU
# reading and parsing the flood.
FLOOD_CPU_ALLOWANCE = 0.30
BYSTANDER_P50_S = 0.25  # a warm invoke through the API is ~10 ms on a quiet host
BYSTANDER_MAX_S = 2.0


def create(server: RunningServer, handler: str, memory_mb: int, timeout_s: int = 30) -> str:
    lam = server.client("lambda")
    name = f"out-{uuid.uuid4().hex[:10]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Handler=handler,
        Role=ROLE.format(account=server.account_id),
        Code={"ZipFile": CODE},
        MemorySize=memory_mb,
        Timeout=timeout_s,
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def invoke(server: RunningServer, name: str, event: dict[str, Any]) -> dict[str, Any]:
    reply: dict[str, Any] = server.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event).encode()
    )
    reply["Body"] = json.loads(reply.pop("Payload").read())
    return reply


def server_cpu_s(server: RunningServer) -> float:
    """User + system CPU time of the server process itself (its threads, not its children)."""
    stat = Path(f"/proc/{server.process.pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def messages(server: RunningServer, name: str) -> list[str]:
    logs = server.client("logs")
    found: list[str] = []
    kwargs: dict[str, Any] = {"logGroupName": f"/aws/lambda/{name}"}
    for _ in range(200):  # bounded paging
        try:
            page = logs.filter_log_events(**kwargs)
        except ClientError:
            return found  # the group does not exist yet
        found += [event["message"] for event in page["events"]]
        if "nextToken" not in page:
            break
        kwargs["nextToken"] = page["nextToken"]
    return found


def until(check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:  # bounded by timeout_s
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.25)


class Bystander:
    """Another tenant's function, invoked in a loop: each call logs numbered lines."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.name = create(server, "app.chatty", 128)
        self.tags: list[str] = []
        self.latencies: list[float] = []
        invoke(server, self.name, {"lines": 1, "tag": "warm-up"})

    def run(self, seconds: float, pause_s: float = 0.1) -> None:
        deadline = time.monotonic() + seconds
        for _ in range(1000):  # bounded in count and time
            if time.monotonic() > deadline:
                return
            tag = uuid.uuid4().hex[:8]
            started = time.monotonic()
            reply = invoke(self.server, self.name, {"lines": 20, "tag": tag})
            self.latencies.append(time.monotonic() - started)
            assert "FunctionError" not in reply, reply["Body"]
            assert reply["Body"] == 20
            self.tags.append(tag)
            time.sleep(pause_s)

    def assert_served_normally(self) -> None:
        assert len(self.latencies) >= 5
        assert statistics.median(self.latencies) < BYSTANDER_P50_S, self.latencies
        assert max(self.latencies) < BYSTANDER_MAX_S, self.latencies

    def assert_logs_intact(self) -> None:
        def complete() -> list[str]:
            got = messages(self.server, self.name)
            return got if all(f"{tag} line 19" in got for tag in self.tags) else []

        got = until(complete)
        assert got, "the bystander's log lines did not all arrive"
        for tag in self.tags:
            mine = [m for m in got if m.startswith(f"{tag} line ")]
            assert mine == [f"{tag} line {i}" for i in range(20)], tag
        assert not any(DROP_MARKER.match(m) for m in got)


def cpu_per_second(server: RunningServer, action: Callable[[], None]) -> float:
    cpu, wall = server_cpu_s(server), time.monotonic()
    action()
    return (server_cpu_s(server) - cpu) / (time.monotonic() - wall)


def drop_markers(server: RunningServer, name: str) -> list[tuple[int, int]]:
    return [
        (int(m.group(1)), int(m.group(2)))
        for m in map(DROP_MARKER.match, messages(server, name))
        if m is not None
    ]


@pytest.mark.parametrize("line_bytes", [2, 1024], ids=["tiny-lines", "long-lines"])
def test_output_flood_outside_invocation_is_rate_limited(
    server: RunningServer, line_bytes: int
) -> None:
    bystander = Bystander(server)
    quiet = cpu_per_second(server, lambda: bystander.run(3.0))
    flooder = create(server, "app.flood_after_return", 1769)
    reply = invoke(server, flooder, {"seconds": 6, "line_bytes": line_bytes})
    assert reply["Body"] == "pouring"  # the handler returned; its thread keeps writing
    flooding = cpu_per_second(server, lambda: bystander.run(5.0))
    print(f"server CPU: {quiet:.3f} s/s quiet, {flooding:.3f} s/s during the flood")
    assert flooding - quiet < FLOOD_CPU_ALLOWANCE, (quiet, flooding)
    bystander.assert_served_normally()
    bystander.assert_logs_intact()

    # Output written outside any invocation reaches the log without waiting for another one.
    def dropped_a_lot() -> list[tuple[int, int]]:
        markers = drop_markers(server, flooder)
        return markers if sum(size for size, _ in markers) > 1_000_000 else []

    markers = until(dropped_a_lot)
    assert markers, "no drop marker (of over 1 MB) in the flooding function's log"
    assert all(lines > 0 for _, lines in markers)


def test_output_flood_inside_invocation_is_capped_with_marker(server: RunningServer) -> None:
    bystander = Bystander(server)
    quiet = cpu_per_second(server, lambda: bystander.run(3.0))
    flooder = create(server, "app.flood_inside", 1769)
    outcome: dict[str, Any] = {}

    def attack() -> None:
        outcome["reply"] = invoke(server, flooder, {"seconds": 4})

    def during_attack() -> None:
        thread = threading.Thread(target=attack)
        thread.start()
        bystander.run(4.0)
        thread.join(60)

    flooding = cpu_per_second(server, during_attack)
    print(f"server CPU: {quiet:.3f} s/s quiet, {flooding:.3f} s/s during the flood")
    assert flooding - quiet < FLOOD_CPU_ALLOWANCE, (quiet, flooding)
    reply = outcome["reply"]
    assert "FunctionError" not in reply, reply["Body"]
    written = reply["Body"]["written"]
    assert written > 1024 * 1024  # the function was slowed, not stopped
    bystander.assert_served_normally()
    bystander.assert_logs_intact()

    def finished() -> list[str]:
        got = messages(server, flooder)
        return got if any(m.startswith("REPORT RequestId") for m in got) else []

    got = until(finished)
    assert got[0].startswith("START RequestId")
    assert "before the flood" in got
    markers = drop_markers(server, flooder)
    assert markers, "no drop marker in the flooding function's log"
    dropped = sum(size for size, _ in markers)
    kept = sum(len(m) + 1 for m in got if m == "x")
    assert dropped + kept <= written
    assert kept < written / 2
    assert "after the flood" in got  # logging after the flood is stored again
    assert got[-1].startswith("REPORT RequestId")


def test_output_flood_during_init_is_rate_limited(server: RunningServer) -> None:
    bystander = Bystander(server)
    quiet = cpu_per_second(server, lambda: bystander.run(3.0))
    flooder = create(server, "init_flood.handler", 1769)
    outcome: dict[str, Any] = {}

    def attack() -> None:
        outcome["reply"] = invoke(server, flooder, {})

    def during_attack() -> None:
        thread = threading.Thread(target=attack)
        thread.start()
        bystander.run(5.0)
        thread.join(60)

    flooding = cpu_per_second(server, during_attack)
    print(f"server CPU: {quiet:.3f} s/s quiet, {flooding:.3f} s/s during the flood")
    assert flooding - quiet < FLOOD_CPU_ALLOWANCE, (quiet, flooding)
    assert outcome["reply"]["FunctionError"] == "Unhandled"  # init never finished: timed out
    bystander.assert_served_normally()
    bystander.assert_logs_intact()
    markers = until(lambda: drop_markers(server, flooder))
    assert markers, "no drop marker in the flooding function's log"
