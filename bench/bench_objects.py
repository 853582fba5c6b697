"""The object engine's throughput and memory, next to the local filesystem in the same run.

Prints, for 1 MB and 100 MB objects: PUT and GET throughput (MB/s) of the engine (sealed
segments under a fresh data key per object, MD5 for the ETag, fsync, metadata commit) beside a
plain file written (with fsync) and read back with the same bytes; the p50 of small (1 KB)
object PUTs beside a plain 1 KB write+fsync; and the peak RSS of a fresh process streaming a
2 GB object in and out (time-bounded: the stream stops at --stream-budget seconds and the
bytes streamed by then are reported).

Usage: python bench/bench_objects.py [--rounds N] [--small N] [--stream-mb N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stockade.clock import FakeClock
from stockade.crypto import AesRootKey, EnvelopeCipher
from stockade.crypto.segments import AesGcmSegments
from stockade.services.kms.platform import PlatformDataKeys
from stockade.store.object_ports import PutOptions
from stockade.store.sqlite_keys import SqliteKeyStore
from stockade.store.sqlite_objects import SqliteObjectEngine

MB = 1_000_000
CHUNK = 1024 * 1024


def open_engine(data_dir: Path) -> SqliteObjectEngine:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    data_dir.mkdir(parents=True, exist_ok=True)
    keys = PlatformDataKeys(SqliteKeyStore(data_dir / "keys.db"),
                            EnvelopeCipher(AesRootKey(bytes(range(32)))), clock)  # fmt: skip
    return SqliteObjectEngine(data_dir, AesGcmSegments(), keys, clock)


def chunks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for at in range(0, len(data), CHUNK):
        yield bytes(view[at : at + CHUNK])


def file_put(path: Path, data: bytes) -> None:
    with path.open("wb") as out:
        for chunk in chunks(data):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


def file_get(path: Path) -> int:
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            size += len(block)
    return size


def best(times: list[float], size: int) -> str:
    return f"{size / MB / statistics.median(times):8.1f} MB/s"


def throughput(engine: SqliteObjectEngine, root: Path, size: int, rounds: int) -> None:
    data = os.urandom(size)
    put_t, get_t, fput_t, fget_t = [], [], [], []
    for i in range(rounds):
        started = time.perf_counter()
        engine.put_object("b", f"obj-{size}-{i}", chunks(data), PutOptions())
        put_t.append(time.perf_counter() - started)
        started = time.perf_counter()
        got = sum(len(c) for c in engine.get_object("b", f"obj-{size}-{i}").chunks)
        get_t.append(time.perf_counter() - started)
        assert got == size
        path = root / f"plain-{size}-{i}"
        started = time.perf_counter()
        file_put(path, data)
        fput_t.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert file_get(path) == size
        fget_t.append(time.perf_counter() - started)
        engine.delete_object("b", f"obj-{size}-{i}")
        path.unlink()
    label = f"{size // MB} MB"
    print(f"{label:>7} PUT  engine {best(put_t, size)}   plain file {best(fput_t, size)}")
    print(f"{label:>7} GET  engine {best(get_t, size)}   plain file {best(fget_t, size)}")


def small_puts(engine: SqliteObjectEngine, root: Path, count: int) -> None:
    data = os.urandom(1024)
    engine_t, file_t = [], []
    for i in range(count):
        started = time.perf_counter()
        engine.put_object("b", f"small/{i}", iter([data]), PutOptions())
        engine_t.append(time.perf_counter() - started)
        started = time.perf_counter()
        file_put(root / f"small-{i}", data)
        file_t.append(time.perf_counter() - started)
    p50 = statistics.median(engine_t) * 1000
    f50 = statistics.median(file_t) * 1000
    print(f"   1 KB PUT p50  engine {p50:6.2f} ms      plain file (write+fsync) {f50:6.2f} ms")


STREAM_CHILD = """
import os, sys, time
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from bench.bench_objects import open_engine, CHUNK
from stockade.store.object_ports import PutOptions

def hwm_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0

root, total = Path(sys.argv[1]), int(sys.argv[2])
budget = float(sys.argv[4])
engine = open_engine(root)
engine.create_bucket("b", "1", "us-east-1")
block = os.urandom(CHUNK)
before = hwm_kb()
deadline = time.monotonic() + budget
sent = 0

def body():
    global sent
    while sent < total and time.monotonic() < deadline:
        sent += CHUNK
        yield block

started = time.monotonic()
engine.put_object("b", "big", body(), PutOptions())
put_s = time.monotonic() - started
got = 0
started = time.monotonic()
for chunk in engine.get_object("b", "big").chunks:
    got += len(chunk)
    if time.monotonic() > deadline + budget:
        break
get_s = time.monotonic() - started
engine.delete_object("b", "big")
engine.close()
print(before, hwm_kb(), sent, got, round(put_s, 1), round(get_s, 1))
"""


def stream_rss(root: Path, total: int, budget_s: float) -> None:
    repo = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, "-c", STREAM_CHILD, str(root), str(total), repo, str(budget_s)],
        capture_output=True, text=True, timeout=4 * budget_s + 60, check=True,
    ).stdout.split()  # fmt: skip
    before, peak, sent, got, put_s, get_s = (float(x) for x in out)
    print(f" stream {sent / MB:,.0f} MB in ({put_s:.1f} s) and {got / MB:,.0f} MB out"
          f" ({get_s:.1f} s): peak RSS {peak / 1024:.1f} MiB"
          f" (after opening the engine: {before / 1024:.1f} MiB)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--stream-mb", type=int, default=2000)
    parser.add_argument("--stream-budget", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-objects-", dir="/var/tmp") as tmp:
        root = Path(tmp)
        engine = open_engine(root / "engine")
        engine.create_bucket("b", "1", "us-east-1")
        plain = root / "plain"
        plain.mkdir()
        try:
            throughput(engine, plain, 1 * MB, args.rounds * 5)
            throughput(engine, plain, 100 * MB, args.rounds)
            small_puts(engine, plain, args.small)
        finally:
            engine.close()
        stream_rss(root / "stream", args.stream_mb * MB, args.stream_budget)


if __name__ == "__main__":
    main()
