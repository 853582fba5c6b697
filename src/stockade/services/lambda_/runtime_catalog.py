"""The port through which Lambda's control plane knows the runtime versions Stockade keeps."""

from __future__ import annotations

from typing import Protocol

from stockade.sandbox.runtime_bundle import RuntimeVersionSource


class RuntimeVersionCatalog(Protocol):
    def newest(self, runtime: str) -> str:
        """The newest digest of `runtime`'s files ("" when Stockade ships none for it)."""
        ...

    def runtime_of(self, digest: str) -> str | None:
        """The runtime of a kept, intact version; None when there is none such."""
        ...

    def source(self, digest: str) -> RuntimeVersionSource:
        """How an environment loads the version (verified against its digest at launch)."""
        ...
