"""One runtime version as values: its files (`RuntimeBundle`, named by their digest) and, in an
environment spec, how to load them (`RuntimeVersionSource`). See runtime_versions."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

_DOMAIN = b"stockade-runtime-version-1\n"


@dataclass(frozen=True)
class RuntimeBundle:
    """One version of one runtime: its files, by path relative to the guest package."""

    runtime: str
    files: tuple[tuple[str, bytes], ...] = field(repr=False)

    @property
    def digest(self) -> str:
        """SHA-256 over the runtime's name and every file's name and bytes, length-prefixed."""
        h = hashlib.sha256(_DOMAIN)
        for part in (self.runtime.encode(), *(p for f in sorted(self.files) for p in _pair(f))):
            h.update(len(part).to_bytes(8, "big"))
            h.update(part)
        return h.hexdigest()

    def file(self, name: str) -> bytes:
        for path, data in self.files:
            if path == name:
                return data
        raise KeyError(name)


def _pair(item: tuple[str, bytes]) -> tuple[bytes, bytes]:
    return item[0].encode(), item[1]


@dataclass(frozen=True)
class RuntimeVersionSource:
    """What an environment spec carries: the digest, and how to load the verified files."""

    digest: str
    load: Callable[[], RuntimeBundle] = field(repr=False, compare=False)
