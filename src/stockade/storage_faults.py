"""Which OS and SQLite errors mean "the data dir cannot take this write", and which reason.

Storage adapters (store/, audit/) translate these into `StorageUnavailableError` at their
boundary; the API edge uses the same test as a safety net for one that slipped through. Other
errors (a constraint violation, a bug) are not storage faults and are left alone.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from stockade.errors import StorageUnavailableError

_OS_REASONS = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EFBIG: "full",
    errno.EROFS: "read-only",
    errno.EACCES: "read-only",
    errno.EPERM: "read-only",  # e.g. an immutable file or directory
    errno.EIO: "failing",
}
# Primary result codes (the low byte of extended ones): sqlite.org/rescode.html
_SQLITE_REASONS = {
    13: "full",  # SQLITE_FULL: database or disk is full
    8: "read-only",  # SQLITE_READONLY: attempt to write a readonly database
    3: "read-only",  # SQLITE_PERM
    14: "read-only",  # SQLITE_CANTOPEN: e.g. the -wal file cannot be created
    5: "locked",  # SQLITE_BUSY: database is locked (past the busy timeout)
    6: "locked",  # SQLITE_LOCKED
    10: "failing",  # SQLITE_IOERR: disk I/O error (a write refused by the filesystem)
}
_CAUSES_MAX = 8


def storage_fault(exc: BaseException | None) -> StorageUnavailableError | None:
    """The storage fault `exc` (or an error it was raised from) stands for, if any."""
    for _ in range(_CAUSES_MAX):
        if exc is None:
            return None
        if isinstance(exc, StorageUnavailableError):
            return exc
        if isinstance(exc, sqlite3.Error):
            code = getattr(exc, "sqlite_errorcode", None)
            reason = _SQLITE_REASONS.get(code & 0xFF) if isinstance(code, int) else None
            if reason is not None:
                return StorageUnavailableError(reason, getattr(exc, "sqlite_errorname", ""))
        elif isinstance(exc, OSError) and exc.errno in _OS_REASONS:
            return StorageUnavailableError(_OS_REASONS[exc.errno], errno.errorcode[exc.errno])
        exc = exc.__cause__
    return None


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise a storage fault raised inside as `StorageUnavailableError`."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        fault = storage_fault(exc)
        if fault is None:
            raise
        raise fault from exc


def rollback(conn: sqlite3.Connection) -> None:
    """End `conn`'s transaction if one is still open: after a failed COMMIT SQLite may already
    have rolled back, and a connection left inside a transaction could never write again."""
    if conn.in_transaction:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
