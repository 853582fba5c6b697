"""Deployment packages of three web apps (tests/fixtures/web_apps), each with its framework and
Lambda adapter installed from PyPI or npm once into a cache that git ignores.

The exact versions live here and nowhere else; a change of pins (or of the platform) installs
into a new cache directory, so a later run never mixes versions. Python packages are wheels for
the host's Python runtime only (cp311, manylinux of this machine's architecture); Node packages
are installed without their install scripts. Without npm the Express package is None (its tests
skip, as the JavaScript SDK's do); a failed install raises with the installer's own output.
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

CACHE = REPO / ".cache" / "web-apps"
FIXTURES = REPO / "tests" / "fixtures" / "web_apps"
_INSTALL_TIMEOUT_S = 600


@dataclass(frozen=True)
class WebApp:
    name: str
    runtime: str
    handler: str
    source: Path  # the app's own files, copied to the package root unchanged
    python: tuple[str, ...] = ()  # exact pins, transitive ones included: repeatable installs
    node: tuple[str, ...] = ()


FASTAPI = WebApp(
    "fastapi", "python3.11", "app.handler", FIXTURES / "fastapi_app",
    python=(
        "fastapi==0.163.2", "mangum==0.22.0", "starlette==1.10.0", "pydantic==2.14.4",
        "pydantic-core==2.50.5", "anyio==4.16.0", "idna==3.21", "annotated-doc==0.0.7",
        "annotated-types==0.8.0", "typing-extensions==4.16.0", "typing-inspection==0.4.5",
        "opentelemetry-api==1.45.3",
    ),
)  # fmt: skip
FLASK = WebApp(
    "flask", "python3.11", "app.handler", FIXTURES / "flask_app",
    python=(
        "flask==3.1.3", "apig-wsgi==2.20.0", "werkzeug==3.1.9", "jinja2==3.1.6",
        "markupsafe==3.0.4", "itsdangerous==2.2.0", "click==8.5.1", "blinker==1.9.0",
    ),
)  # fmt: skip
EXPRESS = WebApp(
    "express", "nodejs20.x", "handler.handler", FIXTURES / "express_app",
    node=("express@5.3.0", "serverless-http@4.0.0", "cookie-parser@1.4.7"),
)  # fmt: skip
APPS = (FASTAPI, FLASK, EXPRESS)


def package(app: WebApp) -> bytes | None:
    """The app's deployment package (a zip); None when its installer (npm) is missing."""
    dependencies = _dependencies_zip(app)
    if dependencies is None:
        return None
    buffer = io.BytesIO(dependencies)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(app.source.iterdir()):
            if path.is_file():
                archive.write(path, path.name)
    return buffer.getvalue()


def _dependencies_zip(app: WebApp) -> bytes | None:
    npm = shutil.which("npm")
    if app.node and (npm is None or shutil.which("node") is None):
        return None
    target = CACHE / f"{app.name}-{_key(app)}"
    built = target / "dependencies.zip"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:  # parallel test runs install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            _install(app, target, npm)
    return built.read_bytes()


def _key(app: WebApp) -> str:
    pins = json.dumps([_platform(), app.python, app.node])
    return hashlib.sha256(pins.encode()).hexdigest()[:12]


def _platform() -> str:
    return f"manylinux_2_28_{platform.machine()}"


def _install(app: WebApp, target: Path, npm: str | None) -> None:
    """Install into a scratch directory, zip it, and only then move it into place: an
    interrupted install is never taken for a finished one."""
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        root = Path(scratch) / "root"
        root.mkdir()
        if app.python:
            _run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-input",
                 "--disable-pip-version-check", "--target", str(root),
                 "--only-binary=:all:", "--implementation", "cp", "--python-version", "3.11",
                 "--abi", "cp311", "--platform", _platform(),
                 "--platform", f"manylinux2014_{platform.machine()}", *app.python],
                cwd=root,
            )  # fmt: skip
            # Hash-checked bytecode stays valid whatever times the package's files get.
            _run(
                [sys.executable, "-m", "compileall", "-q", "-f",
                 "--invalidation-mode", "checked-hash", str(root)],
                cwd=root,
            )  # fmt: skip
        if app.node:
            assert npm is not None
            (root / "package.json").write_text(json.dumps({"name": app.name, "private": True}))
            _run(
                [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--save-exact",
                 "--ignore-scripts", *app.node],
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
