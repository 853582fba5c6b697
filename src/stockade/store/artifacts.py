"""Content-addressed artifact storage on the local filesystem.

Each blob lives at `<root>/<aa>/<sha256>`, named by the SHA-256 of its plaintext, so identical
packages are stored once. Writes go to a temporary file that is fsync'd and renamed into place,
then the directory is fsync'd: a crash leaves either no blob or a complete one. Blobs pass
through a `Sealer` on the way in and out: the seam where encryption at rest plugs in.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from stockade.private_files import make_dir, write_file
from stockade.storage_faults import translated
from stockade.store.ports import Sealer
from stockade.types import Sha256Hex


class UnsealedBlobs:
    """A `Sealer` that stores plaintext. Used until the key service provides one that encrypts."""

    def seal(self, plaintext: bytes, context: Sequence[str]) -> bytes:
        return plaintext

    def open(self, sealed: bytes, context: Sequence[str]) -> bytes:
        return sealed


class FileArtifactStore:
    def __init__(self, root: Path, sealer: Sealer) -> None:
        self._root = root
        self._sealer = sealer
        make_dir(root)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 address")
        return self._root / sha256[:2] / sha256

    def put(self, data: bytes) -> Sha256Hex:
        """Store `data` durably; a full or read-only disk raises StorageUnavailableError and
        leaves no partial blob behind."""
        address = Sha256Hex(hashlib.sha256(data).hexdigest())
        path = self._path(address)
        if path.exists():
            return address
        with translated():
            if not path.parent.is_dir():
                make_dir(path.parent)
            # A temporary dot-file, fsync'd, then renamed into place (addresses() skips them).
            write_file(path, self._sealer.seal(data, ("artifact", address)))
            _fsync_dir(path.parent)
        return address

    def get(self, sha256: Sha256Hex) -> bytes:
        data = self._sealer.open(self._path(sha256).read_bytes(), ("artifact", sha256))
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OSError(f"artifact {sha256} is corrupt")
        return data

    def exists(self, sha256: Sha256Hex) -> bool:
        return self._path(sha256).exists()

    def delete(self, sha256: Sha256Hex) -> None:
        self._path(sha256).unlink(missing_ok=True)

    def addresses(self) -> Iterator[tuple[Sha256Hex, float]]:
        for shard in sorted(self._root.iterdir()):
            if not shard.is_dir():
                continue
            for blob in sorted(shard.iterdir()):
                if blob.name.startswith("."):
                    continue
                yield Sha256Hex(blob.name), blob.stat().st_mtime


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
