"""The default isolating backend: Linux namespaces + cgroup v1 + seccomp, forked from a zygote."""

from __future__ import annotations

import os

from stockade.sandbox.backends.namespaces.backend import NamespaceBackend, NamespaceSettings


async def check_host(settings: NamespaceSettings | None = None) -> dict[str, str]:
    """Prove this host can isolate functions: start a backend, probe, stop it.

    Returns {primitive: "ok"} or raises SandboxUnavailableError naming the first missing
    primitive (e.g. "user namespaces unavailable: ..."). For a `stockade doctor` command or a
    start-up check; `NamespaceBackend.start()` performs the same checks itself.
    """
    backend = NamespaceBackend(
        settings or NamespaceSettings(instance=f"check-{os.getpid()}", prewarm_shells=0)
    )
    await backend.start()
    try:
        return await backend.probe()
    finally:
        await backend.close()


__all__ = ["NamespaceBackend", "NamespaceSettings", "check_host"]
