"""The `stockade` client commands find the server as AWS tools do and go through the API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def stockade(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        [sys.executable, "-m", "stockade", *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_creates_then_updates_and_functions_lists(
    server: RunningServer, tmp_path: Path
) -> None:
    name = f"deploy-{uuid.uuid4().hex[:8]}"
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text("def handler(event, context):\n    return 1\n")
    data = str(server.data_dir)

    first = stockade("deploy", str(source), "--name", name, "--runtime", "python3.11",
                     "--handler", "app.handler", "--data-dir", data, "--json")  # fmt: skip
    assert first.returncode == 0, first.stderr
    created = json.loads(first.stdout)
    assert (created["FunctionName"], created["State"]) == (name, "Active")
    assert f"Creating {name}" in first.stderr  # progress goes to stderr, JSON to stdout
    assert created["Role"].endswith(":role/stockade-lambda-basic-execution")

    (source / "app.py").write_text("def handler(event, context):\n    return 2\n")
    second = stockade("deploy", str(source), "--name", name, "--runtime", "python3.11",
                      "--handler", "app.handler", "--memory", "256", "--env", "MODE=prod",
                      "--data-dir", data, "--json")  # fmt: skip
    assert second.returncode == 0, second.stderr
    updated = json.loads(second.stdout)
    assert updated["CodeSha256"] != created["CodeSha256"]
    assert updated["MemorySize"] == 256
    assert updated["Environment"]["Variables"] == {"MODE": "prod"}
    assert updated["LastUpdateStatus"] == "Successful"

    listed = stockade("functions", "--data-dir", data, "--json")
    assert listed.returncode == 0, listed.stderr
    assert name in [f["FunctionName"] for f in json.loads(listed.stdout)]
    table = stockade("functions", "--data-dir", data)
    assert table.stdout.splitlines()[0].split()[:2] == ["NAME", "RUNTIME"]
    assert name in table.stdout


def test_client_commands_honour_aws_environment_variables(
    server: RunningServer, tmp_path: Path
) -> None:
    # No data dir to fall back on: the endpoint and credentials come from the AWS variables.
    env = {**server.cli_env(), "AWS_ENDPOINT_URL": server.url}
    env = {k: v for k, v in env.items() if k.startswith("AWS_")}
    listed = stockade("functions", "--data-dir", str(tmp_path / "nothing"), "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert isinstance(json.loads(listed.stdout), list)


def test_deploy_reports_api_errors_cleanly(server: RunningServer, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text("x = 1\n")
    done = stockade("deploy", str(source), "--name", "bad", "--runtime", "cobol85",
                    "--handler", "app.handler", "--data-dir", str(server.data_dir))  # fmt: skip
    assert done.returncode == 1
    assert "ValidationException" in done.stderr or "InvalidParameterValue" in done.stderr
    assert "Traceback" not in done.stderr


def test_status_up_and_down(server: RunningServer, tmp_path: Path) -> None:
    up = stockade("status", "--data-dir", str(server.data_dir))
    assert up.returncode == 0
    # A CA bundle for the rest of the world does not stop the local server being trusted.
    foreign = stockade("status", "--data-dir", str(server.data_dir),
                       env={"AWS_CA_BUNDLE": str(tmp_path / "empty.pem")})  # fmt: skip
    assert foreign.returncode == 0, foreign.stdout
    listed = stockade("functions", "--data-dir", str(server.data_dir),
                      env={"AWS_CA_BUNDLE": str(tmp_path / "empty.pem")})  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert up.stdout.startswith(f"up: {server.url}")
    down = stockade("status", "--data-dir", str(tmp_path))
    assert down.returncode == 1
    assert down.stdout.startswith("down:")


def test_invoke_prints_the_response(server: RunningServer, tmp_path: Path) -> None:
    name = f"inv-{uuid.uuid4().hex[:8]}"
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text(
        "def handler(event, context):\n"
        "    if event.get('fail'):\n        raise RuntimeError('asked to')\n"
        "    return {'got': event}\n"
    )
    data = str(server.data_dir)
    deployed = stockade("deploy", str(source), "--name", name, "--runtime", "python3.11",
                        "--handler", "app.handler", "--data-dir", data)  # fmt: skip
    assert deployed.returncode == 0, deployed.stderr
    ok = stockade("invoke", name, '{"a": 1}', "--data-dir", data, "--log")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"got": {"a": 1}}
    assert "REPORT RequestId" in ok.stderr
    failed = stockade("invoke", name, '{"fail": true}', "--data-dir", data, "--json")
    assert failed.returncode == 1
    reply = json.loads(failed.stdout)
    assert reply["FunctionError"] == "Unhandled"
    assert json.loads(reply["Payload"])["errorMessage"] == "asked to"
