"""Durable sends/s and receive+delete/s of the SQLite queue engine, next to same-run baselines.

Sends are single-message `send_async` calls from many concurrent asyncio tasks (as the async
invoke path makes them): each returns only after its commit (`synchronous=FULL`), and the writer
groups concurrent sends into one fsync. Baselines on the same disk in the same run: raw SQLite
inserts with one fsync'd commit each (what durability costs without group commit), and raw
inserts all in one transaction (the ceiling). Target: >= 2,000 durable sends/s.

    .venv/bin/python bench/bench_queues.py [--messages 20000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from stockade.clock import SystemClock
from stockade.store.artifacts import UnsealedBlobs
from stockade.store.queue_ports import OutgoingMessage, QueueId, QueueSettings
from stockade.store.sqlite_queues import SqliteQueueEngine

BODY = b'{"event": "' + b"x" * 200 + b'"}'


def raw_baseline(path: Path, count: int, one_transaction: bool) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    started = time.perf_counter()
    if one_transaction:
        db.execute("BEGIN")
    for _ in range(count):
        db.execute("INSERT INTO t (body) VALUES (?)", (BODY,))
    if one_transaction:
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return count / elapsed


async def engine_run(path: Path, count: int, concurrency: int) -> tuple[float, float]:
    engine = SqliteQueueEngine(path, UnsealedBlobs(), SystemClock())
    queue_id = QueueId("111122223333", "bench")
    engine.create_queue(queue_id, QueueSettings())
    per_task = count // concurrency

    async def sender() -> None:
        for _ in range(per_task):
            await engine.send_async(queue_id, [OutgoingMessage(BODY)])

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    sends = per_task * concurrency / (time.perf_counter() - started)

    async def consumer() -> int:
        done = 0
        while True:
            batch = await engine.receive(queue_id, 10)
            if not batch:
                return done
            await asyncio.gather(*(engine.ack_async(queue_id, m.receipt_handle) for m in batch))
            done += len(batch)

    started = time.perf_counter()
    drained = sum(await asyncio.gather(*(consumer() for _ in range(8))))
    drains = drained / (time.perf_counter() - started)
    engine.close()
    return sends, drains


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        root = Path(tmp)
        fsync_each = raw_baseline(root / "raw1.db", 500, one_transaction=False)
        one_tx = raw_baseline(root / "raw2.db", args.messages, one_transaction=True)
        sends, drains = asyncio.run(engine_run(root / "queues.db", args.messages, args.concurrency))
    print(f"baseline raw sqlite insert, fsync per commit : {fsync_each:10,.0f} inserts/s")
    print(f"baseline raw sqlite insert, one transaction  : {one_tx:10,.0f} inserts/s")
    print(
        f"engine durable single-message sends ({args.concurrency:>3} tasks): {sends:10,.0f} sends/s"
    )
    print(f"engine receive(10) + delete each (8 tasks)   : {drains:10,.0f} messages/s")


if __name__ == "__main__":
    main()
