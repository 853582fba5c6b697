"""The SQLite adapter of the function state event outbox (state_event_ports.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any


class FunctionStateEvents:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def add(self, event: Mapping[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO function_state_events (doc) VALUES (?)",
            (json.dumps(event, sort_keys=True),),
        )

    def after(self, seq: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        rows = self.conn.execute(
            "SELECT seq, doc FROM function_state_events WHERE seq>? ORDER BY seq LIMIT ?",
            (seq, limit),
        )
        return [(int(row[0]), json.loads(row[1])) for row in rows]

    def last_seq(self) -> int:
        # AUTOINCREMENT keeps positions rising after a prune: sqlite_sequence holds the newest.
        row = self.conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name='function_state_events'"
        ).fetchone()
        return int(row[0]) if row else 0

    def prune_through(self, seq: int) -> None:
        self.conn.execute("DELETE FROM function_state_events WHERE seq<=?", (seq,))
