"""Private files and directories: 0600 / 0700 whatever the umask, SQLite's journals included."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stockade import private_files


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(params=[0o000, 0o022, 0o277], ids=["umask-000", "umask-022", "umask-277"])
def any_umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The test runs under a loose, a usual and a strange umask (0o277 takes the owner's write
    bit); the process umask is restored afterwards."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("any_umask")
def test_make_dir_makes_every_missing_parent_0700(tmp_path: Path) -> None:
    leaf = private_files.make_dir(tmp_path / "a" / "b" / "c")
    for directory in (tmp_path / "a", tmp_path / "a" / "b", leaf):
        assert mode(directory) == 0o700, directory


@pytest.mark.usefixtures("any_umask")
def test_make_dir_tightens_an_existing_directory(tmp_path: Path) -> None:
    existing = tmp_path / "open"
    existing.mkdir()
    existing.chmod(0o755)
    private_files.make_dir(existing)
    assert mode(existing) == 0o700


@pytest.mark.usefixtures("any_umask")
def test_written_files_are_0600_and_replace_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "endpoint.json"
    target.write_bytes(b"old")
    target.chmod(0o644)
    private_files.write_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["endpoint.json"]  # no temporary left


@pytest.mark.usefixtures("any_umask")
def test_append_and_write_handles_create_0600_files(tmp_path: Path) -> None:
    journal, state = tmp_path / "journal", tmp_path / "state"
    state.write_bytes(b"stale")
    state.chmod(0o666)
    with private_files.open_for_append(journal) as out:
        out.write(b"1\n")
    with private_files.open_for_append(journal) as out:
        out.write(b"2\n")
    with private_files.open_for_write(state) as out:
        out.write(b"fresh")
    assert journal.read_bytes() == b"1\n2\n"
    assert state.read_bytes() == b"fresh"
    assert (mode(journal), mode(state)) == (0o600, 0o600)


@pytest.mark.usefixtures("any_umask")
def test_a_database_and_its_wal_and_shm_files_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with contextlib.closing(sqlite3.connect(private_files.private_database(path))) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        db.commit()
        made = sorted(p.name for p in tmp_path.iterdir())
        assert made == ["store.db", "store.db-shm", "store.db-wal"]
        assert {p.name: mode(p) for p in tmp_path.iterdir()} == dict.fromkeys(made, 0o600)


def test_an_old_database_and_its_journals_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    for name in ("store.db", "store.db-wal", "store.db-shm"):
        (tmp_path / name).touch(mode=0o644)
        (tmp_path / name).chmod(0o644)
    private_files.private_database(path)
    assert {p.name: mode(p) for p in tmp_path.iterdir()} == {
        "store.db": 0o600, "store.db-wal": 0o600, "store.db-shm": 0o600,
    }  # fmt: skip


def test_restrict_tree_tightens_files_and_directories_and_leaves_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "audit" / "AWSLogs").mkdir(parents=True)
    # Modes set explicitly: an in-process server earlier in this process left the umask 0o077.
    for directory in (root, root / "audit", root / "audit" / "AWSLogs"):
        directory.chmod(0o755)
    (root / "stockade.db").write_bytes(b"")
    (root / "stockade.db").chmod(0o644)
    (root / "private").write_bytes(b"")
    (root / "private").chmod(0o600)
    outside = tmp_path / "outside"
    outside.write_bytes(b"")
    outside.chmod(0o644)
    (root / "link").symlink_to(outside)
    changed = private_files.restrict_tree(root)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in changed) == [
        "data", "data/audit", "data/audit/AWSLogs", "data/stockade.db",
    ]  # fmt: skip
    assert mode(root / "audit") == 0o700
    assert mode(root / "stockade.db") == 0o600
    assert mode(outside) == 0o644  # not followed


def test_restrict_umask_makes_new_files_private(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        private_files.restrict_umask()
        (tmp_path / "made-by-a-library").write_bytes(b"")
        (tmp_path / "dir-by-a-library").mkdir()
    finally:
        os.umask(previous)
    assert mode(tmp_path / "made-by-a-library") == 0o600
    assert mode(tmp_path / "dir-by-a-library") == 0o700


def test_checking_an_open_database_keeps_this_processs_sqlite_locks(tmp_path: Path) -> None:
    """Closing any descriptor of a file drops the process's POSIX locks on it. Were the check
    to open the database, another process closing its last connection would believe itself
    the last user, checkpoint, and delete the WAL this process is still writing to."""
    path = tmp_path / "store.db"
    with contextlib.closing(sqlite3.connect(private_files.private_database(path))) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
        db.commit()
        private_files.private_database(path)  # as a new reader connection of this process does
        subprocess.run(
            [sys.executable, "-c", "import sqlite3, sys\n"
             "db = sqlite3.connect(sys.argv[1])\n"
             "db.execute('INSERT INTO t VALUES (1)')\ndb.commit()\ndb.close()\n", str(path)],
            timeout=30, check=True,
        )  # fmt: skip
        assert (tmp_path / "store.db-wal").exists()  # still ours: the other was not the last
        db.execute("INSERT INTO t VALUES (2)")
        db.commit()
    with contextlib.closing(sqlite3.connect(path)) as reopened:
        assert reopened.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
