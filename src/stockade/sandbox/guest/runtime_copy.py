"""Run a kept version of the Python runtime instead of the one the zygote pre-imported.

A function pinned to an older (or newer) runtime version than the installed one gets that
version's module sources in its CONFIGURE message (the host checked them against their digest);
they are imported here, fresh, as the package `stockade_runtime`, after the environment was set
up and privileges dropped, so the runtime's relative imports resolve inside that version. The
modules' file names are guest paths under /var/runtime: no host path is named. Standard library
only.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

PACKAGE = "stockade_runtime"


class _Sources(MetaPathFinder, Loader):
    """A meta-path finder and loader serving `PACKAGE.<name>` from sources held in memory."""

    def __init__(self, sources: dict[str, str]) -> None:
        self._sources = sources

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != PACKAGE or name not in self._sources:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=f"/var/runtime/{name}.py")

    def create_module(self, spec: ModuleSpec) -> None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        name = module.__name__.rpartition(".")[2]
        origin = f"/var/runtime/{name}.py"
        module.__file__ = origin
        code = compile(self._sources[name], origin, "exec")
        # The kept runtime version's own code, verified against its digest by the host.
        exec(code, module.__dict__)  # noqa: S102


def load(sources: dict[str, str]) -> ModuleType:
    """The kept version's `python_runtime` module (its `main(handler)` runs the loop)."""
    package = ModuleType(PACKAGE)
    package.__path__ = []
    package.__package__ = PACKAGE
    sys.modules[PACKAGE] = package
    finder = _Sources(sources)
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module(f"{PACKAGE}.python_runtime")
    finally:
        sys.meta_path.remove(finder)


def boot(args: list[str]) -> None:
    """Entry for a fresh interpreter (the unsafe backend): [handler, opt_root, sources JSON]."""
    import json  # noqa: PLC0415 - only this entry needs it

    sources = json.loads(args[2])
    load({str(k): str(v) for k, v in dict(sources).items()}).main(args[0], args[1])
