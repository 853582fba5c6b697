"""Which OS and SQLite errors are storage faults, from real SQLite databases and errnos."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from stockade.errors import StorageUnavailableError
from stockade.storage_faults import storage_fault, translated


def locked_error(path: Path) -> sqlite3.Error:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        return exc
    finally:
        other.close()
        holder.close()
    raise AssertionError("the second writer was not refused")


def readonly_error(path: Path) -> sqlite3.Error:
    sqlite3.connect(path).close()
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        db.execute("CREATE TABLE t (x)")
    except sqlite3.Error as exc:
        return exc
    finally:
        db.close()
    raise AssertionError("the read-only database took a write")


def test_a_database_locked_past_the_busy_timeout_is_locked(tmp_path: Path) -> None:
    fault = storage_fault(locked_error(tmp_path / "db.sqlite"))
    assert fault is not None
    assert fault.reason == "locked"


def test_a_read_only_database_is_read_only(tmp_path: Path) -> None:
    fault = storage_fault(readonly_error(tmp_path / "db.sqlite"))
    assert fault is not None
    assert fault.reason == "read-only"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "full"),
        (errno.EDQUOT, "full"),
        (errno.EROFS, "read-only"),
        (errno.EACCES, "read-only"),
        (errno.EPERM, "read-only"),
        (errno.EIO, "failing"),
    ],
)
def test_os_errors_of_the_disk_are_storage_faults(code: int, reason: str) -> None:
    fault = storage_fault(OSError(code, "refused"))
    assert fault is not None
    assert fault.reason == reason
    assert "refused" not in str(fault)  # the OS's message (which may name paths) stays out


def test_other_errors_are_not(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "db.sqlite")
    db.execute("CREATE TABLE t (x UNIQUE)")
    db.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError) as caught:
        db.execute("INSERT INTO t VALUES (1)")
    assert storage_fault(caught.value) is None
    assert storage_fault(OSError(errno.ENOENT, "missing")) is None
    assert storage_fault(ValueError("a bug")) is None


def test_a_fault_is_found_through_the_errors_it_caused() -> None:
    wrapper = RuntimeError("the queue store could not commit")
    wrapper.__cause__ = OSError(errno.ENOSPC, "full")
    fault = storage_fault(wrapper)
    assert fault is not None
    assert fault.reason == "full"


def test_translated_re_raises_faults_and_leaves_the_rest(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailableError) as caught, translated():
        raise locked_error(tmp_path / "db.sqlite")
    assert isinstance(caught.value.__cause__, sqlite3.Error)
    with pytest.raises(FileNotFoundError), translated():
        raise FileNotFoundError(errno.ENOENT, "missing")
