"""Object bodies as sealed files: `<root>/<id[:2]>/<id>`, one file per body, named by a random
id rather than by content. Every body has its own data key, so equal plaintexts never share
ciphertext anyway, and a name derived from the plaintext (its hash) would tell who holds what;
by id, deleting a version is unlinking its files, with no reference counting.

A file is the body's segments back to back, each `segment_bytes` of plaintext (the last
shorter) sealed with its tag: segment i starts at i * (segment_bytes + overhead_bytes), so a
range read seeks to the first segment it needs. It is written to a temporary dot-file, fsync'd,
renamed into place and the directory fsync'd before the caller may name it in metadata; a crash
before that leaves an unnamed file that `sweep` removes at open.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from stockade import entropy
from stockade.private_files import FILE_MODE, make_dir
from stockade.storage_faults import translated
from stockade.store.object_checksums import StreamHasher
from stockade.store.object_errors import ObjectCorrupted
from stockade.store.object_limits import too_large
from stockade.store.object_ports import SegmentCipher


class BodyMissing(ObjectCorrupted):
    """No file for a body: corruption, unless its version was deleted meanwhile."""


def new_body_id() -> str:
    return entropy.token_bytes(16).hex()


class BodyFiles:
    def __init__(self, root: Path, cipher: SegmentCipher) -> None:
        self._root = make_dir(root)
        self._cipher = cipher
        self._seg = cipher.segment_bytes
        self._sealed_seg = cipher.segment_bytes + cipher.overhead_bytes

    def path(self, body_id: str) -> Path:
        if len(body_id) != 32 or any(c not in "0123456789abcdef" for c in body_id):
            raise ValueError("not a body id")
        return self._root / body_id[:2] / body_id

    def segments(self, size: int) -> int:
        return max(1, -(-size // self._seg))

    def sealed_size(self, size: int) -> int:
        return size + self.segments(size) * self._cipher.overhead_bytes

    def write(
        self, body_id: str, key: bytes, chunks: Iterator[bytes], hasher: StreamHasher, limit: int
    ) -> int:
        """Seal `chunks` into the body's file; returns the plaintext size. Nothing is left
        behind if this raises (the caller's iterator included)."""
        path = self.path(body_id)
        with translated():
            make_dir(path.parent)
            tmp = path.with_name(f".{body_id}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
        try:
            segments = self._cipher.for_body(key, body_id)
            with os.fdopen(fd, "wb", buffering=1024 * 1024) as out:
                pending = bytearray()
                index = 0
                for chunk in chunks:
                    hasher.update(chunk)
                    if hasher.size > limit:
                        raise too_large(hasher.size, limit)
                    pending += chunk
                    while len(pending) > self._seg:  # a full segment that is not the last
                        out.write(segments.seal(index, False, bytes(pending[: self._seg])))
                        del pending[: self._seg]
                        index += 1
                out.write(segments.seal(index, True, bytes(pending)))
                out.flush()
                with translated():
                    os.fsync(out.fileno())
            with translated():
                os.replace(tmp, path)
                _fsync_dir(path.parent)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise
        return hasher.size

    def read(self, body_id: str, key: bytes, size: int, start: int, end: int) -> Iterator[bytes]:
        """Plaintext bytes [start, end) of the body, one authenticated segment at a time."""
        path = self.path(body_id)
        count = self.segments(size)
        try:
            handle = path.open("rb")
        except FileNotFoundError as exc:
            raise BodyMissing("An object's stored body is missing.") from exc
        segments = self._cipher.for_body(key, body_id)
        with handle:
            if os.fstat(handle.fileno()).st_size != self.sealed_size(size):
                raise ObjectCorrupted("An object's stored body has the wrong length.")
            first = start // self._seg
            handle.seek(first * self._sealed_seg)
            for index in range(first, count):
                seg_start = index * self._seg
                if seg_start >= end and not (size == 0 and index == 0):
                    return
                sealed = handle.read(self._sealed_seg)
                plain = segments.open(index, index == count - 1, sealed)
                if plain is None:
                    raise ObjectCorrupted("An object's stored body failed authentication.")
                lo, hi = max(start - seg_start, 0), min(end - seg_start, len(plain))
                if hi > lo:
                    yield plain[lo:hi]

    def delete(self, body_id: str) -> None:
        with contextlib.suppress(OSError):
            self.path(body_id).unlink(missing_ok=True)

    def sweep(self, named: set[str]) -> int:
        """Remove temporary files and bodies no metadata names; returns how many."""
        removed = 0
        for shard in self._root.iterdir():
            if not shard.is_dir():
                continue
            for item in shard.iterdir():
                if item.name.startswith(".") or item.name not in named:
                    with contextlib.suppress(OSError):
                        item.unlink()
                        removed += 1
        return removed


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
