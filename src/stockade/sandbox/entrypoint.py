"""What the guest process runs, per runtime: the in-process Python runtime or an exec'd program."""

from __future__ import annotations

import os
from pathlib import Path

from stockade.sandbox.errors import EnvironmentStartError
from stockade.sandbox.guest_env import GuestLayout
from stockade.sandbox.spec import Runtime

NODE = "/usr/bin/node"


class EntrypointNotFoundError(EnvironmentStartError):
    """provided.al2023 without an executable bootstrap; reported as Runtime.InvalidEntrypoint."""

    def __init__(self, candidates: list[str]) -> None:
        super().__init__(f"Couldn't find valid bootstrap(s): [{' '.join(candidates)}]")
        self.candidates = candidates


def guest_argv(
    runtime: Runtime, layout: GuestLayout, code_dir: Path, opt_dir: Path | None
) -> list[str]:
    """[] means "the built-in Python runtime, in process"; otherwise an argv to exec."""
    if runtime is Runtime.PYTHON311:
        return []
    if runtime is Runtime.NODEJS20:
        return [NODE, f"{layout.runtime_root}/bootstrap.js"]
    candidates = [(code_dir / "bootstrap", f"{layout.task_root}/bootstrap")]
    if opt_dir is not None:
        candidates.append((opt_dir / "bootstrap", f"{layout.opt_root}/bootstrap"))
    for host_path, guest_path in candidates:
        if host_path.is_file() and os.access(host_path, os.X_OK):
            return [guest_path]
    raise EntrypointNotFoundError([f"{layout.task_root}/bootstrap", f"{layout.opt_root}/bootstrap"])
