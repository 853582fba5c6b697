"""Runtime files of a simulated Stockade installation: the installed ones, each runtime marked.

The marker is set by the runtime's own code before any handler runs (Python: an environment
variable set at the end of the runtime module; Node.js: at the top of the bootstrap), so a
handler that reads `RUNTIME_MARKER` shows from inside which version of the runtime ran.
"""

from __future__ import annotations

from stockade.sandbox.runtime_bundle import RuntimeBundle
from stockade.sandbox.runtime_versions import InstalledRuntimeFiles
from stockade.sandbox.spec import Runtime


class Shipped:
    """A `ShippedRuntimeFiles` source: what an installation marked `marker` ships."""

    def __init__(self, marker: str) -> None:
        installed = InstalledRuntimeFiles()
        python = installed.bundle(Runtime.PYTHON311)
        node = installed.bundle(Runtime.NODEJS20)
        line = f'\nos.environ["RUNTIME_MARKER"] = "{marker}"\n'.encode()
        self.python = RuntimeBundle(
            python.runtime,
            tuple((n, d + line if n == "python_runtime.py" else d) for n, d in python.files),
        )
        js = f'process.env.RUNTIME_MARKER = "{marker}";\n'.encode()
        self.node = RuntimeBundle(node.runtime, tuple((n, js + d) for n, d in node.files))

    def bundles(self) -> tuple[RuntimeBundle, ...]:
        return (self.python, self.node)
