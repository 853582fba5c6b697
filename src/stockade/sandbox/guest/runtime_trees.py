"""Copies of host directories on the zygote's tmpfs, so that no sandbox mounts a host path.

A bind mount shows where its source lives in its filesystem (the "root" field of
/proc/self/mountinfo): binding the host's site-packages into /var/runtime would tell every
function the path of the host's virtualenv. Copies on the zygote's tmpfs show only their
tmpfs-internal names. Sources arrive as open descriptors, never as paths. A compiled .pyc
records the path it was compiled from in every code object: copies are retargeted to the path
the guest imports them from. Modification times are kept, so the .pyc files stay valid for
their sources. Regular files and directories only; the walk is bounded. Standard library only.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
from importlib.util import MAGIC_NUMBER
from types import CodeType

MAX_FILES = 200_000
MAX_DEPTH = 32
_PYC_HEADER = 16
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC


class _Budget:
    def __init__(self) -> None:
        self.files = 0

    def take(self) -> None:
        self.files += 1
        if self.files > MAX_FILES:
            raise OSError("too many files to copy into the sandbox runtime")


def copy_from_fd(source_fd: int, dest: str, guest_path: str) -> int:
    """Copy the file or directory open as `source_fd` to `dest` (which must not exist);
    `guest_path` is where sandboxes will see it. Returns the number of files copied."""
    budget = _Budget()
    if stat.S_ISDIR(os.fstat(source_fd).st_mode):
        _copy_dir(source_fd, dest, guest_path, budget, 0)
    else:
        _copy_file(source_fd, dest, guest_path, budget)
    return budget.files


def _copy_dir(source_fd: int, dest: str, guest_path: str, budget: _Budget, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise OSError("directory tree too deep to copy into the sandbox runtime")
    os.mkdir(dest, 0o755)
    with os.scandir(source_fd) as entries:
        names = [(e.name, e.is_dir(follow_symlinks=False), e.is_file(follow_symlinks=False))
                 for e in entries]  # fmt: skip
    for name, is_dir, is_file in sorted(names):
        if not (is_dir or is_file):
            continue  # symlinks, sockets, devices: nothing a runtime needs
        child = os.open(name, _DIR if is_dir else _FILE, dir_fd=source_fd)
        try:
            target, guest = os.path.join(dest, name), f"{guest_path}/{name}"
            if is_dir:
                _copy_dir(child, target, guest, budget, depth + 1)
            else:
                _copy_file(child, target, guest, budget)
        finally:
            os.close(child)
    source_stat = os.fstat(source_fd)
    os.utime(dest, ns=(source_stat.st_atime_ns, source_stat.st_mtime_ns))


def _copy_file(source_fd: int, dest: str, guest_path: str, budget: _Budget) -> None:
    budget.take()
    source_stat = os.fstat(source_fd)
    if dest.endswith(".pyc") and os.path.basename(os.path.dirname(dest)) == "__pycache__":
        data = _retargeted_pyc(_read_all(source_fd, source_stat.st_size), guest_path)
        if data is None:
            return  # compiled by another interpreter: useless here
        _write(dest, data)
    else:
        out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            offset = 0
            while offset < source_stat.st_size:  # bounded by the file's size
                sent = os.sendfile(out, source_fd, offset, source_stat.st_size - offset)
                if sent == 0:
                    break
                offset += sent
        finally:
            os.close(out)
    if source_stat.st_mode & 0o111:  # keep executables executable (read-only for the guest)
        os.chmod(dest, 0o755)  # noqa: S103
    os.utime(dest, ns=(source_stat.st_atime_ns, source_stat.st_mtime_ns))


def _read_all(fd: int, size: int) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:  # bounded by the file's size
        part = os.read(fd, remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _write(dest: str, data: bytes) -> None:
    out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        view = memoryview(data)
        while view:  # bounded by the data's size
            view = view[os.write(out, view) :]
    finally:
        os.close(out)


def _retargeted_pyc(data: bytes, guest_pyc_path: str) -> bytes | None:
    """The .pyc with every code object's file name set to the guest path of its source."""
    if data[:4] != MAGIC_NUMBER or len(data) < _PYC_HEADER:
        return None
    directory, name = os.path.split(guest_pyc_path)
    source = f"{os.path.dirname(directory)}/{name.split('.', 1)[0]}.py"
    try:
        # The host's own installed files, not tenant data; the interpreter loads them anyway.
        code = marshal.loads(data[_PYC_HEADER:])  # noqa: S302
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(code, CodeType):
        return None
    return data[:_PYC_HEADER] + marshal.dumps(_retarget(code, source))


def _retarget(code: CodeType, filename: str) -> CodeType:
    consts = tuple(
        _retarget(const, filename) if isinstance(const, CodeType) else const
        for const in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


def close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
