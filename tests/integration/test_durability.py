"""`kill -9` in the middle of a stream of updates leaves every function old or new, never torn."""

from __future__ import annotations

import base64
import hashlib
import random
import signal
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from tests.support.packages import make_zip
from tests.support.server import RunningServer, start_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WRITERS = 3
KILL_ROUNDS = 3


def package(function: str, step: str) -> bytes:
    # Large enough that the artifact write takes a measurable time.
    noise = random.Random(f"{function}-{step}").randbytes(256 * 1024)
    return make_zip({"app.py": f"STEP = {step!r}\n", "noise.bin": noise})


def sha_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@dataclass
class Track:
    """What the client knows about one function: its last acknowledged and in-flight writes."""

    name: str
    # A write whose request was cut by the kill may or may not have landed.
    in_flight_code: str | None = None
    acked_description: str = ""
    pending_description: str = ""
    last_acked_code: str = ""
    acked_writes: int = 0


def writer(
    server: RunningServer, tracks: list[Track], stop: threading.Event, round_no: int
) -> None:
    lam = server.client("lambda")  # one client per thread: boto3 clients are not shared
    step = 0
    deadline = time.monotonic() + 60
    while not stop.is_set() and time.monotonic() < deadline:
        step += 1
        for track in tracks:
            # Unique across rounds, so an old package can never pass for the in-flight one.
            data = package(track.name, f"{round_no}.{step}")
            sha = sha_b64(data)
            track.in_flight_code = sha
            try:
                lam.update_function_code(FunctionName=track.name, ZipFile=data)
            except (ClientError, BotoCoreError, OSError):
                return  # the server died mid-request: this write may or may not have landed
            track.in_flight_code = None
            track.last_acked_code = sha
            track.acked_writes += 1
            track.pending_description = f"step {step}"
            try:
                lam.update_function_configuration(
                    FunctionName=track.name, Description=track.pending_description
                )
            except (ClientError, BotoCoreError, OSError):
                return
            track.acked_description = track.pending_description


def test_kill_9_during_updates_leaves_no_torn_state(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    lam = server.client("lambda")
    role = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
    tracks = [[Track(f"durable-{w}-{i}") for i in range(2)] for w in range(WRITERS)]
    for group in tracks:
        for track in group:
            data = package(track.name, "initial")
            lam.create_function(FunctionName=track.name, Runtime="python3.11", Role=role,
                                Handler="app.handler", Code={"ZipFile": data})  # fmt: skip
            track.last_acked_code = sha_b64(data)
    rng = random.Random(7)
    try:
        for round_no in range(KILL_ROUNDS):
            stop = threading.Event()
            threads = [
                threading.Thread(target=writer, args=(server, group, stop, round_no), daemon=True)
                for group in tracks
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.3, 1.2))
            server.stop(signal.SIGKILL)
            stop.set()
            for thread in threads:
                thread.join(30)
                assert not thread.is_alive()
            everyone = [t for group in tracks for t in group]
            assert sum(t.acked_writes for t in everyone) > 0, "the kill came before any write"
            server = start_server(data_dir, server.port)
            check_consistent(server, [t for group in tracks for t in group])
    finally:
        server.stop()


def check_consistent(server: RunningServer, tracks: list[Track]) -> None:
    lam = server.client("lambda")
    for track in tracks:
        got = lam.get_function(FunctionName=track.name)
        config = got["Configuration"]
        sha = config["CodeSha256"]
        allowed_code = {track.last_acked_code, track.in_flight_code}
        assert sha in allowed_code, f"{track.name}: code is neither the last acked nor in flight"
        assert config.get("Description", "") in {
            track.acked_description,
            track.pending_description,
        }, track.name
        location = got["Code"]["Location"]
        with urllib.request.urlopen(location, timeout=30, context=server.ssl_context()) as reply:
            downloaded = reply.read()
        assert sha_b64(downloaded) == sha, f"{track.name}: stored package does not match its sha"
        assert config["CodeSize"] == len(downloaded)
        # What the server now holds is the baseline for the next round.
        track.in_flight_code = None
        track.last_acked_code = sha
        track.acked_description = track.pending_description = config.get("Description", "")
        track.acked_writes = 0
