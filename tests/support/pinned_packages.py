"""Deployment packages whose dependencies come from PyPI or npm at exact pins, installed once
into a cache that git ignores (`.cache/<cache>/<name>-<key>`).

A package is its own files (copied to the zip's root unchanged) plus its dependencies. The
pins, transitive ones included, make installs repeatable; a change of pins (or of the
platform) installs into a new cache directory, so a later run never mixes versions. Python
packages are wheels for the host's Python runtime only (cp311, manylinux of this machine's
architecture); Node packages are installed without their install scripts. Without npm a
package with Node pins is None (its tests skip, as the JavaScript SDK's do); a failed install
raises with the installer's own output. boto3 is never pinned here: Lambda's runtime ships it,
and so does Stockade's.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.server import REPO

CACHE_ROOT = REPO / ".cache"
_INSTALL_TIMEOUT_S = 600


@dataclass(frozen=True)
class PinnedPackage:
    name: str
    runtime: str
    handler: str
    source: Path  # the function's own files, copied to the package root unchanged
    python: tuple[str, ...] = ()  # exact pins, transitive ones included: repeatable installs
    node: tuple[str, ...] = ()


def build(package: PinnedPackage, cache: str) -> bytes | None:
    """The deployment package (a zip); None when its installer (npm) is missing."""
    dependencies = _dependencies_zip(package, CACHE_ROOT / cache)
    if dependencies is None:
        return None
    buffer = io.BytesIO(dependencies)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(package.source.iterdir()):
            if path.is_file():
                archive.write(path, path.name)
    return buffer.getvalue()


def _dependencies_zip(package: PinnedPackage, cache: Path) -> bytes | None:
    npm = shutil.which("npm")
    if package.node and (npm is None or shutil.which("node") is None):
        return None
    target = cache / f"{package.name}-{_key(package)}"
    built = target / "dependencies.zip"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as lock:  # parallel test runs install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            _install(package, cache, target, npm)
    return built.read_bytes()


def _key(package: PinnedPackage) -> str:
    pins = json.dumps([_platform(), package.python, package.node])
    return hashlib.sha256(pins.encode()).hexdigest()[:12]


def _platform() -> str:
    return f"manylinux_2_28_{platform.machine()}"


def _install(package: PinnedPackage, cache: Path, target: Path, npm: str | None) -> None:
    """Install into a scratch directory, zip it, and only then move it into place: an
    interrupted install is never taken for a finished one."""
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        root = Path(scratch) / "root"
        root.mkdir()
        if package.python:
            _run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-input",
                 "--disable-pip-version-check", "--target", str(root),
                 "--only-binary=:all:", "--implementation", "cp", "--python-version", "3.11",
                 "--abi", "cp311", "--platform", _platform(),
                 "--platform", f"manylinux2014_{platform.machine()}", *package.python],
                cwd=root,
            )  # fmt: skip
            # Hash-checked bytecode stays valid whatever times the package's files get.
            _run(
                [sys.executable, "-m", "compileall", "-q", "-f",
                 "--invalidation-mode", "checked-hash", str(root)],
                cwd=root,
            )  # fmt: skip
        if package.node:
            assert npm is not None
            (root / "package.json").write_text(json.dumps({"name": package.name, "private": True}))
            _run(
                [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--save-exact",
                 "--ignore-scripts", *package.node],
                cwd=root,
            )  # fmt: skip
        _zip_tree(root, Path(scratch) / "dependencies.zip")
        target.mkdir(parents=True, exist_ok=True)
        (Path(scratch) / "dependencies.zip").replace(target / "dependencies.zip")


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[:4]} failed ({done.returncode}):\n{done.stderr[-4000:]}")


def _zip_tree(root: Path, destination: Path) -> None:
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                archive.write(path, path.relative_to(root).as_posix())
