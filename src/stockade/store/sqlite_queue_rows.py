"""The queue store's schema and how a queue's row maps to `QueueInfo` and back."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from stockade.private_files import private_database
from stockade.store.queue_ports import (
    QueueId,
    QueueInfo,
    QueueNotFoundError,
    QueueSettings,
    RedrivePolicy,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    qid INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    retention_ms INTEGER NOT NULL,
    dlq_account TEXT,
    dlq_name TEXT,
    created_ms INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    UNIQUE (account_id, name)
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    qid INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    body BLOB NOT NULL,
    attributes BLOB NOT NULL,
    sent_ms INTEGER NOT NULL,
    visible_at_ms INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_received_ms INTEGER NOT NULL DEFAULT 0,
    receipt TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS messages_ready ON messages (qid, visible_at_ms, seq);
"""


@dataclass(frozen=True)
class QueueRow:
    qid: int
    info: QueueInfo


def require_queue(db: sqlite3.Connection, queue_id: QueueId) -> QueueRow:
    found = find_queue(db, queue_id)
    if found is None:
        raise QueueNotFoundError(f"The queue {queue_id.name} does not exist.")
    return found


def find_queue(db: sqlite3.Connection, queue_id: QueueId) -> QueueRow | None:
    row = db.execute(
        "SELECT qid, settings, created_ms, modified_ms FROM queues"
        " WHERE account_id = ? AND name = ?",
        (queue_id.account_id, queue_id.name),
    ).fetchone()
    if row is None:
        return None
    qid, text, created, modified = row
    return QueueRow(qid, QueueInfo(queue_id, settings_from_json(text), created, modified))


def settings_columns(settings: QueueSettings) -> tuple[Any, ...]:
    redrive = settings.redrive
    return (
        settings_to_json(settings),
        settings.retention_s * 1000,
        None if redrive is None else redrive.dead_letter_queue.account_id,
        None if redrive is None else redrive.dead_letter_queue.name,
    )


def settings_to_json(settings: QueueSettings) -> str:
    redrive = settings.redrive
    return json.dumps({
        "visibility_timeout_s": settings.visibility_timeout_s,
        "retention_s": settings.retention_s,
        "delay_s": settings.delay_s,
        "max_message_bytes": settings.max_message_bytes,
        "receive_wait_s": settings.receive_wait_s,
        "redrive": None if redrive is None else [
            redrive.dead_letter_queue.account_id,
            redrive.dead_letter_queue.name,
            redrive.max_receive_count,
        ],
        "policy": settings.policy,
        "tags": [list(tag) for tag in settings.tags],
    })  # fmt: skip


# Every send reads its queue's settings; they change rarely and the result is immutable.
@lru_cache(maxsize=4096)
def settings_from_json(text: str) -> QueueSettings:
    data = json.loads(text)
    redrive = data.get("redrive")
    return QueueSettings(
        visibility_timeout_s=data["visibility_timeout_s"],
        retention_s=data["retention_s"],
        delay_s=data["delay_s"],
        max_message_bytes=data["max_message_bytes"],
        receive_wait_s=data["receive_wait_s"],
        redrive=None if redrive is None else RedrivePolicy(
            QueueId(redrive[0], redrive[1]), redrive[2]
        ),
        policy=data.get("policy"),
        tags=tuple((k, v) for k, v in data.get("tags", [])),
    )  # fmt: skip


def connect(path: Path, busy_timeout_s: float = 5.0) -> sqlite3.Connection:
    # Autocommit mode: the writer opens its transactions explicitly.
    db = sqlite3.connect(private_database(path), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")  # a committed send survives power loss
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    return db
