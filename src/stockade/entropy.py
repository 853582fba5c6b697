"""Random bytes from the kernel's CSPRNG, drawn a block at a time.

`os.urandom` is a getrandom(2) call during which CPython releases the GIL. Accepting one queued
event drew four (two GCM nonces, a data key, a message id), and under load each release handed
the GIL to another thread and waited to get it back: 12 µs a call instead of 0.5. Here the
bytes still come from `os.urandom`, 4 KiB at a time, and each byte is handed out once. The
block is process memory, like the keys and nonces made from it; a forked child starts with an
empty block, so it never repeats its parent's bytes.

Like `secrets`, this is one process-wide source on purpose: it holds no configuration, and
every caller wants the same thing from it.
"""

from __future__ import annotations

import os
import threading
import uuid

_BLOCK_BYTES = 4096


class _Pool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._block = b""
        self._offset = 0

    def take(self, count: int) -> bytes:
        if count > _BLOCK_BYTES:
            return os.urandom(count)
        with self._lock:
            if self._offset + count > len(self._block):
                self._block, self._offset = os.urandom(_BLOCK_BYTES), 0
            taken = self._block[self._offset : self._offset + count]
            self._offset += count
        return taken

    def forget(self) -> None:
        # Runs in a forked child, which has one thread; the lock may have been held at fork.
        self._lock = threading.Lock()
        self._block, self._offset = b"", 0


_POOL = _Pool()
os.register_at_fork(after_in_child=_POOL.forget)


def token_bytes(count: int) -> bytes:
    """`count` bytes from the kernel's CSPRNG (as `secrets.token_bytes`)."""
    return _POOL.take(count)


def uuid4() -> uuid.UUID:
    """A random (version 4) UUID (as `uuid.uuid4`)."""
    return uuid.UUID(bytes=_POOL.take(16), version=4)
