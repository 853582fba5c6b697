"""Runtime versions: the files of each runtime Stockade ships, identified by their SHA-256.

A runtime version is the set of files that make a runtime (the in-process Python runtime and
its Runtime API client; the Node.js bootstrap; nothing for the OS-only provided.al2023), hashed
with the runtime's name into one digest. Every version Stockade has shipped is kept in the data
dir (`RuntimeVersionStore`: one content-addressed file per version, written atomically, 0600 in
a 0700 directory), so a function pinned to a version keeps running exactly those files after
Stockade's own runtime files change. A stored copy is checked against its digest whenever it
is loaded: a copy that does not hash to its name is refused, never run.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from stockade.private_files import make_dir, write_file
from stockade.sandbox.errors import EnvironmentStartError
from stockade.sandbox.guest_loader import GUEST_DIR
from stockade.sandbox.runtime_bundle import RuntimeBundle, RuntimeVersionSource
from stockade.sandbox.spec import Runtime

# Which of the guest's files make each runtime (paths relative to the guest package).
RUNTIME_FILES: Mapping[Runtime, tuple[str, ...]] = {
    Runtime.PYTHON311: ("python_runtime.py", "rapi_client.py", "json_log.py"),
    Runtime.NODEJS20: ("node/bootstrap.js",),
    Runtime.PROVIDED_AL2023: (),  # OS-only: the function brings its own bootstrap
}
MAX_VERSION_BYTES = 4 * 1024 * 1024  # a stored version larger than this is not ours


class RuntimeVersionError(EnvironmentStartError):
    """A stored runtime version is missing or does not match its digest (never run)."""


class ShippedRuntimeFiles(Protocol):
    """Where the newest version of each runtime comes from (the installed files)."""

    def bundles(self) -> tuple[RuntimeBundle, ...]: ...


class InstalledRuntimeFiles:
    """The runtime files this installation of Stockade carries (its guest package)."""

    def __init__(self, guest_dir: Path = GUEST_DIR) -> None:
        self._dir = guest_dir

    def bundles(self) -> tuple[RuntimeBundle, ...]:
        return tuple(self.bundle(runtime) for runtime in RUNTIME_FILES)

    def bundle(self, runtime: Runtime) -> RuntimeBundle:
        files = tuple((name, (self._dir / name).read_bytes()) for name in RUNTIME_FILES[runtime])
        return RuntimeBundle(runtime.value, files)


class RuntimeVersionStore:
    """Content-addressed copies under `root`: `<digest>.json`, verified on every load."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def save(self, bundle: RuntimeBundle) -> str:
        """Keep `bundle` (once; a stored copy that fails its check is replaced by this one)."""
        digest = bundle.digest
        try:
            self.load(digest)
            return digest
        except RuntimeVersionError:
            pass
        make_dir(self._root)
        files = [[name, base64.b64encode(data).decode()] for name, data in sorted(bundle.files)]
        text = {"runtime": bundle.runtime, "files": files}
        write_file(self._path(digest), json.dumps(text, sort_keys=True).encode())
        return digest

    def load(self, digest: str) -> RuntimeBundle:
        """The bundle stored as `digest`, or RuntimeVersionError (missing, malformed, altered)."""
        path = self._path(digest)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as exc:
            raise RuntimeVersionError(f"runtime version {digest} is not stored") from exc
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(MAX_VERSION_BYTES + 1)
        try:
            if len(raw) > MAX_VERSION_BYTES:
                raise ValueError("too large")
            parsed = json.loads(raw)
            bundle = RuntimeBundle(
                str(parsed["runtime"]),
                tuple((str(n), base64.b64decode(d, validate=True)) for n, d in parsed["files"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise RuntimeVersionError(f"stored runtime version {digest} is malformed") from exc
        if bundle.digest != digest:
            raise RuntimeVersionError(f"stored runtime version {digest} fails its integrity check")
        return bundle

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise RuntimeVersionError("not a runtime version digest")
        return self._root / f"{digest}.json"


class RuntimeVersions:
    """The newest version of each runtime, and every version ever shipped (kept at start)."""

    def __init__(self, store: RuntimeVersionStore, shipped: ShippedRuntimeFiles) -> None:
        self._store = store
        self._newest: dict[str, str] = {}
        for bundle in shipped.bundles():
            self._newest[bundle.runtime] = store.save(bundle)

    def newest(self, runtime: str) -> str:
        """The newest digest for `runtime`, "" for a runtime Stockade ships no files for."""
        return self._newest.get(runtime, "")

    def runtime_of(self, digest: str) -> str | None:
        """The runtime a stored, intact version belongs to; None if there is no such version."""
        try:
            return self._store.load(digest).runtime
        except RuntimeVersionError:
            return None

    def source(self, digest: str) -> RuntimeVersionSource:
        return RuntimeVersionSource(digest, lambda: self._store.load(digest))


class InstalledDigests:
    """The digest of each runtime's installed files, read once: what the guests run when the
    version asked for is the installed one (the zygote pre-imported it)."""

    def __init__(self, installed: InstalledRuntimeFiles | None = None) -> None:
        source = installed or InstalledRuntimeFiles()
        self._digests = {b.runtime: b.digest for b in source.bundles()}

    def kept(self, bundle: RuntimeBundle | None, runtime: Runtime) -> RuntimeBundle | None:
        """`bundle` when it is a version other than the installed one, else None; a version
        of another runtime is refused (it could not run)."""
        if bundle is None:
            return None
        if bundle.runtime != runtime.value:
            raise RuntimeVersionError(f"a {bundle.runtime} runtime version cannot run {runtime}")
        return None if self._digests.get(bundle.runtime) == bundle.digest else bundle


def python_sources(bundle: RuntimeBundle) -> dict[str, str]:
    """A kept Python runtime version as module name -> source, as the guest imports it."""
    return {
        name.removesuffix(".py"): data.decode("utf-8")
        for name, data in bundle.files
        if name.endswith(".py") and "/" not in name
    }


def node_argv(node: str, bundle: RuntimeBundle) -> list[str]:
    """argv running a kept Node.js bootstrap: its source evaluated with the file names it has
    when it is the installed /var/runtime/bootstrap.js."""
    source = bundle.file("node/bootstrap.js").decode("utf-8")
    wrapped = (
        "(function (__filename, __dirname) {\n"
        f"{source}\n"
        '})("/var/runtime/bootstrap.js", "/var/runtime");\n'
    )
    return [node, "-e", wrapped]
