"""The SQLite adapter of the store ports: WAL, one writer at a time, durable commits.

Every `write()` is a single `BEGIN IMMEDIATE` transaction, committed with `synchronous=FULL`, so a
`kill -9` at any instant leaves each record in its old or its new state, never in between.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from stockade.private_files import private_database
from stockade.storage_faults import rollback, translated
from stockade.store import codec
from stockade.store.sqlite_compliance import Compliance, ConfigurationItems
from stockade.store.sqlite_egress import Egress
from stockade.store.sqlite_events import EventRows
from stockade.store.sqlite_iam import (
    AccessKeys,
    Accounts,
    Groups,
    Policies,
    Roles,
    Sessions,
    Users,
)
from stockade.store.sqlite_lambda import (
    Aliases,
    EventSourceMappings,
    Functions,
    Layers,
    ResourcePolicies,
    Versions,
)
from stockade.store.sqlite_network import Networks
from stockade.store.sqlite_parameters import ParameterRows
from stockade.store.sqlite_schema import MIGRATIONS
from stockade.store.sqlite_secrets import SecretRows
from stockade.store.sqlite_signing import CodeSigningConfigs, SigningJobs, SigningProfiles
from stockade.store.sqlite_state_events import FunctionStateEvents
from stockade.types import Sha256Hex

T = TypeVar("T")

# How long a write waits for another process's lock (an operator command's transaction) before
# the request fails with its service's internal error; the server's `--storage-busy-timeout`.
DEFAULT_BUSY_TIMEOUT_S = 10.0

# Entries per thread's memo; it empties whenever anything commits, so this only bounds a
# read-only stretch that touches very many keys.
_MEMO_MAX = 4096
# How often a memo looks for commits by other processes on the same file (operator commands);
# commits through this store are seen at once.
_EXTERNAL_CHECK_S = 0.05


class _Memo:
    """One thread's memoised reads, and the state of the store they were read in."""

    def __init__(self) -> None:
        self.values: dict[Hashable, Any] = {}
        self.generation = -1
        self.data_version: int | None = None
        self.checked = float("-inf")


class SqliteStore:
    def __init__(
        self,
        path: Path,
        sealer: codec.FieldSealer | None = None,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
    ) -> None:
        self._path = path
        self._busy_timeout_s = busy_timeout_s
        self._codec = codec.DocCodec(sealer)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._writer = self._connect()
        self._generation = 0  # commits through `write()`; see `read_memo`
        self._migrate()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            private_database(self._path), isolation_level=None, check_same_thread=False,
            timeout=self._busy_timeout_s,
        )  # fmt: skip
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    def _migrate(self) -> None:
        with self._write_lock:
            (current,) = self._writer.execute("PRAGMA user_version").fetchone()
            for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
                # executescript commits on its own; the version bump rides in the same script.
                self._writer.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
                )

    @contextmanager
    def write(self) -> Iterator[SqliteTransaction]:
        # A full, read-only or locked database surfaces as StorageUnavailableError, after the
        # rollback: the connection stays usable, so writes resume once the fault clears.
        with self._write_lock, translated():
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(conn, self._codec)
                conn.execute("COMMIT")
            except BaseException:
                # Also after a failed COMMIT (SQLite may already have rolled back).
                rollback(conn)
                raise
            self._generation += 1  # under the write lock

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            self._local.memo = _Memo()
        return conn

    def read_memo(self, key: Hashable, load: Callable[[SqliteTransaction], T]) -> T:
        conn = self._reader()
        if conn.in_transaction:
            # Inside an older snapshot a value could be older than the state it would be
            # filed under: no memo there.
            with self.read() as tx:
                return load(tx)
        memo: _Memo = self._local.memo
        # Both marks are taken before the snapshot below starts, so a value is never older
        # than the marks it is filed under (at worst newer: one needless reload).
        generation = self._generation
        now = time.monotonic()
        if generation != memo.generation or now - memo.checked >= _EXTERNAL_CHECK_S:
            # data_version moves when another connection commits (this thread's reader never
            # writes); a statement costs as much as the reads it saves, hence the interval.
            (version,) = conn.execute("PRAGMA data_version").fetchone()
            if (generation, version) != (memo.generation, memo.data_version):
                memo.values.clear()
                memo.generation, memo.data_version = generation, version
            memo.checked = now
        if key in memo.values:
            return memo.values[key]  # type: ignore[no-any-return]
        with self.read() as tx:
            value = load(tx)
        if len(memo.values) >= _MEMO_MAX:
            memo.values.clear()
        memo.values[key] = value
        return value

    @contextmanager
    def read(self) -> Iterator[SqliteTransaction]:
        conn = self._reader()
        if conn.in_transaction:
            # A read nested in another read of this thread (e.g. authorisation inside a use
            # case's snapshot) shares the outer snapshot; the outer one ends it.
            yield SqliteTransaction(conn, self._codec)
            return
        with translated():
            conn.execute("BEGIN")
            try:
                yield SqliteTransaction(conn, self._codec)
            finally:
                rollback(conn)

    def referenced_artifacts(self) -> set[Sha256Hex]:
        with self.read() as tx:
            # Functions keep the layer versions they use even after the layer version is deleted.
            rows = tx.conn.execute(
                "SELECT code_sha256 FROM function_versions"
                " UNION SELECT code_sha256 FROM layer_versions"
                " UNION SELECT json_extract(layer.value, '$.code.sha256')"
                " FROM function_versions, json_each(function_versions.doc, '$.config.layers') layer"
            ).fetchall()
        return {Sha256Hex(r[0]) for r in rows}

    def close(self) -> None:
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


class SqliteTransaction:
    """One transaction; repositories share its connection.

    Repositories are made on first use: most transactions touch two or three of them, and
    hot paths (an invoke, a queued event) open a transaction per request.
    """

    def __init__(self, conn: sqlite3.Connection, doc_codec: codec.DocCodec) -> None:
        self.conn = conn
        self._codec = doc_codec

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.conn, self._codec)

    @cached_property
    def users(self) -> Users:
        return Users(self.conn, self._codec)

    @cached_property
    def access_keys(self) -> AccessKeys:
        return AccessKeys(self.conn, self._codec)

    @cached_property
    def functions(self) -> Functions:
        return Functions(self.conn, self._codec)

    @cached_property
    def event_source_mappings(self) -> EventSourceMappings:
        return EventSourceMappings(self.conn, self._codec)

    @cached_property
    def versions(self) -> Versions:
        return Versions(self.conn, self._codec)

    @cached_property
    def aliases(self) -> Aliases:
        return Aliases(self.conn, self._codec)

    @cached_property
    def layers(self) -> Layers:
        return Layers(self.conn, self._codec)

    @cached_property
    def roles(self) -> Roles:
        return Roles(self.conn, self._codec)

    @cached_property
    def groups(self) -> Groups:
        return Groups(self.conn, self._codec)

    @cached_property
    def policies(self) -> Policies:
        return Policies(self.conn, self._codec)

    @cached_property
    def sessions(self) -> Sessions:
        return Sessions(self.conn, self._codec)

    @cached_property
    def resource_policies(self) -> ResourcePolicies:
        return ResourcePolicies(self.conn, self._codec)

    @cached_property
    def signing_profiles(self) -> SigningProfiles:
        return SigningProfiles(self.conn, self._codec)

    @cached_property
    def signing_jobs(self) -> SigningJobs:
        return SigningJobs(self.conn, self._codec)

    @cached_property
    def code_signing_configs(self) -> CodeSigningConfigs:
        return CodeSigningConfigs(self.conn, self._codec)

    @cached_property
    def configuration_items(self) -> ConfigurationItems:
        return ConfigurationItems(self.conn, self._codec)

    @cached_property
    def compliance(self) -> Compliance:
        return Compliance(self.conn, self._codec)

    @cached_property
    def networks(self) -> Networks:
        return Networks(self.conn, self._codec)

    @cached_property
    def egress(self) -> Egress:
        return Egress(self.conn, self._codec)

    @cached_property
    def events(self) -> EventRows:
        return EventRows(self.conn, self._codec)

    @cached_property
    def function_state_events(self) -> FunctionStateEvents:
        return FunctionStateEvents(self.conn)

    @cached_property
    def parameters(self) -> ParameterRows:
        return ParameterRows(self.conn, self._codec)

    @cached_property
    def secrets(self) -> SecretRows:
        return SecretRows(self.conn, self._codec)
