"""A non-editable install runs: a wheel built from the source, installed into a fresh virtualenv
with the lock file's pins, serves a real CreateFunction and Invoke in its sandbox.

Nothing of the worktree is importable by the installed server (it runs from a temporary
directory, with no PYTHONPATH), so a data file left outside the package, or a path computed
from the source tree's layout, fails here. Dependencies come through pip's ordinary
configuration (the package index, or its local cache and mirrors). About 20 s on 2 cores:
building the wheel ~5 s, the virtualenv ~3 s, installing ~6 s, the server and one invoke ~4 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.packages import make_zip
from tests.support.server import REPO, start_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PIP_TIMEOUT_S = 300

WHO_AM_I = """
import boto3

def handler(event, context):
    return {"event": event, "arn": boto3.client("sts").get_caller_identity()["Arn"]}
"""


def _run(argv: list[str], cwd: Path) -> str:
    # A clean environment for the installed interpreter: nothing points back at the worktree.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
    )
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _source_copy(into: Path) -> Path:
    """What `pip install .` reads, copied so that the build leaves nothing in the worktree and
    sees nothing the worktree's earlier builds left behind."""
    source = into / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "src",
        source / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
    )
    return source


def _installed_venv(work: Path) -> Path:
    source = _source_copy(work)
    dist = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
          str(source)], work)  # fmt: skip
    wheels = sorted(dist.glob("stockade-*.whl"))
    assert len(wheels) == 1, wheels
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], work)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "-c", str(REPO / "requirements.lock"),
          str(wheels[0])], work)  # fmt: skip
    return venv


def test_a_wheel_installed_in_a_fresh_virtualenv_serves_an_invoke(tmp_path: Path) -> None:
    venv = _installed_venv(tmp_path)
    where = _run([str(venv / "bin" / "python"), "-c", "import stockade; print(stockade.__file__)"],
                 tmp_path).strip()  # fmt: skip
    assert Path(where).is_relative_to(venv), where
    assert (Path(where).parent / "policies" / "seccomp" / "x86_64.json").is_file()

    server = start_server(tmp_path / "data", command=(str(venv / "bin" / "stockade"),),
                          cwd=tmp_path)  # fmt: skip
    try:
        lam = server.client("lambda")
        role = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
        lam.create_function(FunctionName="packaged", Runtime="python3.11", Role=role,
                            Handler="app.handler", Code={"ZipFile": make_zip({"app.py": WHO_AM_I})},
                            Timeout=20)  # fmt: skip
        reply = lam.invoke(FunctionName="packaged", Payload=b'{"n": 7}')
        body = json.loads(reply["Payload"].read())
        assert "FunctionError" not in reply, body
        assert body == {
            "event": {"n": 7},
            "arn": f"arn:aws:sts::{server.account_id}:assumed-role/"
            "stockade-lambda-basic-execution/packaged",
        }
    finally:
        stopped = server.stop()
    assert stopped == 0, server.log()  # a clean shutdown, too
