"""How a fresh interpreter starts guest code: load `guest/` on its own, as `stockade_guest`.

Importing it through `stockade` would run stockade/sandbox/__init__.py and pull the whole
host-side package (asyncio, the pool, ...) into the zygote, and from there into every sandbox's
memory. The interpreter is started `-I -S` with an explicit environment, so nothing of the
host's Python setup (site-packages, .pth files, PYTHON* variables) applies.

The zygote is started from an inherited descriptor of `guest/` instead of its path: every
sandbox is a fork of the zygote, so its argv (/proc/1/cmdline, `sys.orig_argv`) and its
modules' file names are what tenant code sees, and they must not name the host's source tree.
"""

from __future__ import annotations

from pathlib import Path

GUEST_DIR = Path(__file__).resolve().parent / "guest"
# The umask guest-side processes start with, whatever the server's (the server runs with 0o077
# so that its data dir stays private): the zygote's directories must be searchable by the
# sandbox uid, and functions see the conventional 0o022, as under an ordinary login.
GUEST_UMASK = 0o022

_TEMPLATE = """\
import sys
from importlib import util
spec = util.spec_from_file_location(
    "stockade_guest", sys.argv[1] + "/__init__.py", submodule_search_locations=[sys.argv[1]])
module = util.module_from_spec(spec)
sys.modules["stockade_guest"] = module
spec.loader.exec_module(module)
from stockade_guest import {module}
{module}.{function}(sys.argv[2:])
"""


def boot_argv(python: Path, module: str, function: str, args: list[str]) -> list[str]:
    """argv running `stockade_guest.<module>.<function>(args)` in a clean interpreter."""
    source = _TEMPLATE.format(module=module, function=function)
    return [str(python), "-I", "-S", "-c", source, str(GUEST_DIR), *args]


def boot_argv_from_fd(
    python: Path, module: str, function: str, guest_fd: int, args: list[str]
) -> list[str]:
    """The same, loading `guest/` through `guest_fd` (an inherited descriptor of it): the
    package is then named /proc/self/fd/<n>, and no host path appears in argv or in the
    modules' file names."""
    source = _TEMPLATE.format(module=module, function=function)
    return [str(python), "-I", "-S", "-c", source, f"/proc/self/fd/{guest_fd}", *args]
