"""Files and directories only the server's user may use: 0600 and 0700, whatever the umask.

What Stockade keeps in its data dir is secret, or tells about secrets (sealed records, keys,
audit records, who called what). Two mechanisms, each sufficient for what it covers:

- the composition root sets the process umask to 0o077 (`restrict_umask`) before it touches
  the data dir, so a file some library creates on its own (SQLite's -wal, -shm and -journal
  files, a temporary file) is private too;
- every writer creates with an explicit mode through the helpers here, and sets it with
  fchmod/chmod afterwards, so that the mode holds even where the umask is not ours (a store
  adapter used by a tool or a test).

SQLite gives a database's -wal, -shm and -journal files the mode of the database file when it
creates them, so a database is created 0600 before SQLite first opens it (`private_database`).
`restrict_tree` repairs a data dir written before these rules (databases were 0644).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700
PRIVATE_UMASK = 0o077
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def restrict_umask() -> None:
    """From now on, nothing this process creates is readable by others."""
    os.umask(PRIVATE_UMASK)


def make_dir(path: Path) -> Path:
    """`path` and any missing parents, each 0700; `path` itself is set to 0700 if it exists."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # a racing creator made it meanwhile
            directory.mkdir(mode=DIR_MODE)
        os.chmod(directory, DIR_MODE)  # the umask may have taken bits we need
    os.chmod(path, DIR_MODE)
    return path


def write_file(path: Path, data: bytes) -> None:
    """Replace `path` atomically with `data` (0600), durable once this returns."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # a full or read-only disk may refuse this too
            tmp.unlink(missing_ok=True)
        raise


def open_for_append(path: Path, buffering: int = -1) -> BinaryIO:
    """`path` opened to append (created 0600; an existing file is made 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, "ab", buffering=buffering)
    except BaseException:
        os.close(fd)
        raise


def open_for_write(path: Path) -> BinaryIO:
    """`path` truncated and opened to write (created 0600; an existing file is made 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def private_database(path: Path) -> Path:
    """`path`, a SQLite database file, created 0600 if missing, before SQLite opens it; the
    file and any journal files it already has are made 0600.

    An existing database is never opened here, only chmod'ed by name: closing any descriptor
    of a file drops every POSIX lock this process holds on it, SQLite's included.
    """
    if not path.exists():
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
        except FileExistsError:  # created meanwhile (by SQLite, maybe): leave its descriptors
            pass
        else:
            os.close(fd)
    for name in (path.name, *(path.name + suffix for suffix in _SQLITE_SIDECARS)):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path.with_name(name), FILE_MODE)
    return path


def restrict_tree(root: Path) -> list[Path]:
    """Make every file under `root` 0600 and every directory 0700 (symlinks are left alone,
    and so is anything another user owns); the paths changed."""
    changed: list[Path] = []
    uid = os.geteuid()
    for dirpath, _dirnames, filenames in os.walk(root):
        directory = Path(dirpath)
        _restrict(directory, DIR_MODE, uid, changed)
        for name in filenames:
            _restrict(directory / name, FILE_MODE, uid, changed)
    return changed


def _restrict(path: Path, mode: int, uid: int, changed: list[Path]) -> None:
    try:
        found = os.lstat(path)
    except FileNotFoundError:  # removed while we walked
        return
    if stat.S_ISLNK(found.st_mode) or found.st_uid != uid or stat.S_IMODE(found.st_mode) == mode:
        return
    os.chmod(path, mode)
    changed.append(path)
