"""Unpacked code and layers in memory-backed storage, shared read-only, evicted when unused.

The root is provided by the backend (the namespaces backend: a tmpfs private to the zygote's
mount namespace, reached from the host via /proc/<zygote>/root). Entries are keyed by
sha256(account, keys...): the account is part of the key, so two accounts never share a tree
even if their CodeSource keys collide. Layers are merged into ONE directory per layer set
(each extracted on its own by the domain's hostile-archive extractor, then merged in order so
later layers overwrite earlier ones - Lambda's /opt semantics); overlayfs is avoided because it
is not reliably available inside user namespaces. `CodeSource.fetch` runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stockade.domain.archive import ArchiveLimits, extract_archive
from stockade.domain.errors import ArchiveError
from stockade.sandbox.errors import EnvironmentStartError
from stockade.sandbox.spec import CodeSource

Extractor = Callable[[bytes, Path], None]
"""Unpacks one archive into an EMPTY directory; raises on anything hostile."""


def default_extractor(data: bytes, dest: Path) -> None:
    extract_archive(data, dest, ArchiveLimits())


@dataclass(frozen=True)
class CodeLease:
    entry: str
    path: Path


class _Entry:
    __slots__ = ("last_used", "path", "ready", "refs")

    def __init__(self, path: Path, ready: asyncio.Future[None]) -> None:
        self.path = path
        self.ready = ready
        self.refs = 0
        self.last_used = 0.0


class CodeCache:
    def __init__(
        self,
        root: Callable[[], Path],
        extract: Extractor = default_extractor,
        idle_ttl_s: float = 60.0,
    ) -> None:
        self._root = root
        self._extract = extract
        self._idle_ttl_s = idle_ttl_s
        self._entries: dict[str, _Entry] = {}

    @staticmethod
    def entry_name(account_id: str, sources: tuple[CodeSource, ...]) -> str:
        h = hashlib.sha256(account_id.encode())
        for source in sources:
            h.update(b"\x00" + source.key.encode())
        return h.hexdigest()

    async def acquire(self, account_id: str, sources: tuple[CodeSource, ...]) -> CodeLease:
        name = self.entry_name(account_id, sources)
        loop = asyncio.get_running_loop()
        entry = self._entries.get(name)
        if entry is None:
            entry = _Entry(self._root() / name, loop.create_future())
            self._entries[name] = entry
            entry.refs += 1
            try:
                await loop.run_in_executor(None, self._materialise, entry.path, sources)
            except ArchiveError as exc:
                del self._entries[name]
                failure = EnvironmentStartError("the code package could not be unpacked")
                entry.ready.set_exception(failure)
                entry.ready.exception()
                raise failure from exc
            except BaseException as exc:
                del self._entries[name]
                entry.ready.set_exception(exc)
                entry.ready.exception()  # mark retrieved: waiters re-raise it themselves
                raise
            entry.ready.set_result(None)
        else:
            entry.refs += 1
            try:
                await asyncio.shield(entry.ready)
            except BaseException:
                entry.refs -= 1
                raise
        entry.last_used = loop.time()
        return CodeLease(name, entry.path)

    def _materialise(self, dest: Path, sources: tuple[CodeSource, ...]) -> None:
        tmp = dest.with_name(dest.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(mode=0o755)
        try:
            if len(sources) == 1:
                self._extract(sources[0].fetch(), tmp)
            for index, source in enumerate(sources if len(sources) > 1 else ()):
                part = dest.with_name(f"{dest.name}.layer{index}")
                shutil.rmtree(part, ignore_errors=True)
                part.mkdir(mode=0o755)
                try:
                    self._extract(source.fetch(), part)
                    _merge_into(part, tmp)  # in order: later layers overwrite earlier files
                finally:
                    shutil.rmtree(part, ignore_errors=True)
            _make_world_readable(tmp)
            os.rename(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def release(self, lease: CodeLease) -> None:
        entry = self._entries.get(lease.entry)
        if entry is not None:
            entry.refs -= 1
            entry.last_used = asyncio.get_running_loop().time()

    async def evict_unused(self, force: bool = False) -> int:
        now = asyncio.get_running_loop().time()
        victims = [
            (name, e)
            for name, e in self._entries.items()
            if e.refs <= 0 and e.ready.done() and (force or now - e.last_used > self._idle_ttl_s)
        ]
        for name, entry in victims:
            del self._entries[name]
            with contextlib.suppress(OSError):
                await asyncio.get_running_loop().run_in_executor(None, shutil.rmtree, entry.path)
        return len(victims)

    def __len__(self) -> int:
        return len(self._entries)


def _merge_into(source: Path, target: Path) -> None:
    """Move `source`'s tree into `target`; a later file or directory replaces an earlier one."""
    for child in source.iterdir():
        dest = target / child.name
        if dest.is_dir() and not dest.is_symlink() and child.is_dir():
            _merge_into(child, dest)
            continue
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        elif dest.exists() or dest.is_symlink():
            dest.unlink()
        os.rename(child, dest)


def _make_world_readable(root: Path) -> None:
    """The sandbox uid is not the owner: files must be o+r (and o+x where u+x). Never writable."""
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o555)  # noqa: S103 - read+search for the guest uid, never writable
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            mode = os.stat(path).st_mode
            os.chmod(path, 0o555 if mode & 0o100 else 0o444)
        del dirnames  # os.walk still descends
