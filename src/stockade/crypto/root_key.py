"""The root of trust: the key that wraps every other key's material.

`RootKeyProvider` is the seam a hardware or external KMS can implement later: it wraps and
unwraps key material bound to a context and never hands its own key out. `AesRootKey` is the
local implementation (AES-256-GCM with 32 bytes of key). Where those bytes come from:

- `file_root_key`: a 0600 file in the data dir, created atomically on first use (the default);
- `operator_root_key`: an environment variable (base64) or an operator-supplied file.

Files are read through the injected `KeyFiles` interface; a file readable or writable by group
or others, or not exactly 32 bytes, is refused rather than trusted or repaired.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from stockade.crypto import aead
from stockade.crypto.encoding import Reader, context_bytes
from stockade.crypto.errors import KeyMismatchError, MalformedBlobError, RootKeyError

ROOT_KEY_ENV = "STOCKADE_ROOT_KEY"  # base64 of 32 bytes
ROOT_KEY_FILE_ENV = "STOCKADE_ROOT_KEY_FILE"  # path of an operator-supplied key file
_WRAP_MAGIC = b"SKW"
_WRAP_FORMAT = 1


class RootKeyProvider(Protocol):
    @property
    def key_id(self) -> str:
        """Names the root key (not secret) so that wrapped material says which key wraps it."""
        ...

    def wrap(self, material: bytes, context: Mapping[str, str]) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        """The material, or `InvalidBlobError` (tampered, other root key, other context)."""
        ...


class AesRootKey:
    """A root key held in this process's memory."""

    __slots__ = ("_key", "_key_id")

    def __init__(self, key: bytes) -> None:
        if len(key) != aead.KEY_BYTES:
            raise RootKeyError(f"A root key must be exactly {aead.KEY_BYTES} bytes.")
        self._key = bytes(key)
        self._key_id = "local-" + hashlib.sha256(b"stockade root key id\0" + key).hexdigest()[:16]

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap(self, material: bytes, context: Mapping[str, str]) -> bytes:
        rid = self._key_id.encode()
        header = _WRAP_MAGIC + bytes([_WRAP_FORMAT, len(rid)]) + rid
        nonce, sealed = aead.seal(self._key, material, header + context_bytes(context))
        return header + nonce + sealed

    def unwrap(self, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        reader = Reader(wrapped)
        if reader.take(3) != _WRAP_MAGIC or reader.u8() != _WRAP_FORMAT:
            raise MalformedBlobError("Not wrapped key material of a known format.")
        rid = reader.take(reader.u8())
        if not aead.same(rid, self._key_id.encode()):
            raise KeyMismatchError("The key material was wrapped by another root key.")
        header = wrapped[: reader.offset]
        nonce = reader.take(aead.NONCE_BYTES)
        sealed = reader.rest()
        if len(sealed) < aead.TAG_BYTES:
            raise MalformedBlobError("The wrapped key material is truncated.")
        return aead.open_(self._key, nonce, sealed, header + context_bytes(context))

    def __repr__(self) -> str:
        return f"AesRootKey(key_id={self._key_id!r})"


# -- where the bytes come from ----------------------------------------------------------------


@dataclass(frozen=True)
class KeyFile:
    data: bytes
    mode: int  # permission bits

    def __repr__(self) -> str:
        return f"KeyFile(<{len(self.data)} bytes>, mode={self.mode:o})"


class KeyFiles(Protocol):
    def read(self, path: Path) -> KeyFile | None:
        """The file's bytes and permission bits, or None if it does not exist."""
        ...

    def create(self, path: Path, data: bytes) -> bool:
        """Create the file (0600) with `data` atomically; False if it already exists."""
        ...


class OsKeyFiles:
    """`KeyFiles` on the local filesystem (symlinks are not followed)."""

    def read(self, path: Path) -> KeyFile | None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise RootKeyError(f"Cannot read the root key file {path}: {exc.strerror}") from exc
        try:
            mode = os.fstat(fd).st_mode & 0o777
            chunks = []
            while chunk := os.read(fd, 4096):
                chunks.append(chunk)
                if sum(map(len, chunks)) > 4096:
                    break
            return KeyFile(b"".join(chunks), mode)
        finally:
            os.close(fd)

    def create(self, path: Path, data: bytes) -> bool:
        # Written whole under a temporary name, then linked into place: a reader never sees a
        # partial key, and of two racing creators exactly one wins.
        temp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)
        except FileExistsError:
            return False
        finally:
            temp.unlink()
        directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return True


def _checked(found: KeyFile, path: Path, allow_base64: bool) -> bytes:
    if found.mode & 0o077:
        raise RootKeyError(
            f"The root key file {path} is accessible to group or others (mode"
            f" {found.mode:o}); make it 0600 or 0400."
        )
    data = found.data
    if allow_base64 and len(data) != aead.KEY_BYTES:
        data = _decode_base64(data.strip(), str(path))
    if len(data) != aead.KEY_BYTES:
        raise RootKeyError(f"The root key file {path} does not hold a {aead.KEY_BYTES}-byte key.")
    return data


def _decode_base64(text: bytes, where: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RootKeyError(f"{where} is not base64 of a {aead.KEY_BYTES}-byte key.") from exc


def file_root_key(path: Path, files: KeyFiles) -> AesRootKey:
    """The data dir's root key, created (32 random bytes, 0600) on first use."""
    found = files.read(path)
    if found is None:
        files.create(path, aead.new_key())
        found = files.read(path)
        if found is None:
            raise RootKeyError(f"The root key file {path} vanished after it was created.")
    return AesRootKey(_checked(found, path, allow_base64=False))


def operator_root_key(environ: Mapping[str, str], files: KeyFiles) -> AesRootKey | None:
    """The operator's root key from `STOCKADE_ROOT_KEY` (base64) or `STOCKADE_ROOT_KEY_FILE`
    (raw 32 bytes or base64; must exist), or None if neither is set."""
    text = environ.get(ROOT_KEY_ENV)
    if text:
        key = _decode_base64(text.strip().encode(), f"${ROOT_KEY_ENV}")
        if len(key) != aead.KEY_BYTES:
            raise RootKeyError(f"${ROOT_KEY_ENV} is not base64 of a {aead.KEY_BYTES}-byte key.")
        return AesRootKey(key)
    name = environ.get(ROOT_KEY_FILE_ENV)
    if name:
        path = Path(name)
        found = files.read(path)
        if found is None:
            raise RootKeyError(f"The root key file {path} (${ROOT_KEY_FILE_ENV}) does not exist.")
        return AesRootKey(_checked(found, path, allow_base64=True))
    return None


def load_root_key(environ: Mapping[str, str], default_path: Path, files: KeyFiles) -> AesRootKey:
    """The operator's key if one is configured, else the data dir's own."""
    return operator_root_key(environ, files) or file_root_key(default_path, files)
