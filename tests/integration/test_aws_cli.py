"""The unmodified AWS CLI (awscli from PyPI) against a running server."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.packages import PYTHON_ECHO, make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def aws(server: RunningServer, *args: str, endpoint: bool = False) -> Any:
    """Run `aws ARGS --output json`; the endpoint comes from the written config file unless
    `endpoint` passes it with --endpoint-url as users of other AWS-compatible services do."""
    command = [sys.executable, "-m", "awscli", *args, "--output", "json"]
    if endpoint:
        command += ["--endpoint-url", server.url]
    done = subprocess.run(
        command, env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return json.loads(done.stdout) if done.stdout.strip() else None


def aws_error(server: RunningServer, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args],
        env=server.cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    return done.stderr


def test_function_lifecycle_with_the_aws_cli(server: RunningServer, tmp_path: Path) -> None:
    name = f"cli-{uuid.uuid4().hex[:10]}"
    package = tmp_path / "fn.zip"
    package.write_bytes(PYTHON_ECHO)
    role = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
    created = aws(server, "lambda", "create-function", "--function-name", name,
                  "--runtime", "python3.11", "--handler", "app.handler", "--role", role,
                  "--zip-file", f"fileb://{package}", "--environment",
                  "Variables={MODE=test}", "--tags", "team=payments", endpoint=True)  # fmt: skip
    assert created["FunctionName"] == name
    assert created["Environment"]["Variables"] == {"MODE": "test"}
    aws(server, "lambda", "wait", "function-active-v2", "--function-name", name)

    got = aws(server, "lambda", "get-function", "--function-name", name)
    assert got["Configuration"]["CodeSha256"] == created["CodeSha256"]
    assert got["Code"]["Location"].startswith(server.url)
    assert got["Tags"] == {"team": "payments"}

    package.write_bytes(make_zip({"app.py": "def handler(e, c):\n    return 2\n"}))
    updated = aws(server, "lambda", "update-function-code", "--function-name", name,
                  "--zip-file", f"fileb://{package}")  # fmt: skip
    assert updated["CodeSha256"] != created["CodeSha256"]
    aws(server, "lambda", "wait", "function-updated-v2", "--function-name", name)
    configured = aws(server, "lambda", "update-function-configuration", "--function-name", name,
                     "--memory-size", "256", "--timeout", "30")  # fmt: skip
    assert (configured["MemorySize"], configured["Timeout"]) == (256, 30)

    v1 = aws(server, "lambda", "publish-version", "--function-name", name)
    assert v1["Version"] == "1"
    aws(server, "lambda", "update-function-configuration", "--function-name", name,
        "--description", "second")  # fmt: skip
    aws(server, "lambda", "wait", "function-updated-v2", "--function-name", name)
    aws(server, "lambda", "update-function-configuration", "--function-name", name,
        "--timeout", "31")  # fmt: skip
    v2 = aws(server, "lambda", "publish-version", "--function-name", name)
    assert v2["Version"] == "2"
    alias = aws(server, "lambda", "create-alias", "--function-name", name, "--name", "live",
                "--function-version", "1",
                "--routing-config", "AdditionalVersionWeights={2=0.25}")  # fmt: skip
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    aliases = aws(server, "lambda", "list-aliases", "--function-name", name)
    assert [a["Name"] for a in aliases["Aliases"]] == ["live"]
    versions = aws(server, "lambda", "list-versions-by-function", "--function-name", name)
    assert [v["Version"] for v in versions["Versions"]] == ["$LATEST", "1", "2"]

    arn = created["FunctionArn"]
    aws(server, "lambda", "tag-resource", "--resource", arn, "--tags", "tier=gold")
    assert aws(server, "lambda", "list-tags", "--resource", arn)["Tags"] == {
        "team": "payments",
        "tier": "gold",
    }
    aws(server, "lambda", "untag-resource", "--resource", arn, "--tag-keys", "team")
    assert aws(server, "lambda", "list-tags", "--resource", arn)["Tags"] == {"tier": "gold"}

    aws(server, "lambda", "delete-alias", "--function-name", name, "--name", "live")
    aws(server, "lambda", "delete-function", "--function-name", name)
    assert "ResourceNotFoundException" in aws_error(
        server, "lambda", "get-function", "--function-name", name
    )


def test_list_functions_paginates_through_the_cli(server: RunningServer) -> None:
    prefix = f"page-{uuid.uuid4().hex[:6]}"
    lam = server.client("lambda")
    for i in range(7):
        lam.create_function(FunctionName=f"{prefix}-{i}", Runtime="python3.11",
                            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                            Handler="app.handler", Code={"ZipFile": PYTHON_ECHO})  # fmt: skip
    # --page-size makes the CLI follow NextMarker across several requests.
    listed = aws(server, "lambda", "list-functions", "--page-size", "2")
    names = [f["FunctionName"] for f in listed["Functions"] if f["FunctionName"].startswith(prefix)]
    assert sorted(names) == [f"{prefix}-{i}" for i in range(7)]
    first = aws(server, "lambda", "list-functions", "--max-items", "3")
    assert len(first["Functions"]) == 3
    assert first["NextToken"]


def test_layers_and_account_settings_with_the_cli(server: RunningServer, tmp_path: Path) -> None:
    layer = f"lib-{uuid.uuid4().hex[:8]}"
    content = tmp_path / "layer.zip"
    content.write_bytes(make_zip({"python/lib.py": "X = 1\n"}))
    published = aws(server, "lambda", "publish-layer-version", "--layer-name", layer,
                    "--zip-file", f"fileb://{content}",
                    "--compatible-runtimes", "python3.11")  # fmt: skip
    assert published["Version"] == 1
    layers = aws(server, "lambda", "list-layers")["Layers"]
    assert layer in [item["LayerName"] for item in layers]
    by_arn = aws(server, "lambda", "get-layer-version-by-arn", "--arn",
                 published["LayerVersionArn"])  # fmt: skip
    assert by_arn["Version"] == 1
    aws(server, "lambda", "delete-layer-version", "--layer-name", layer, "--version-number", "1")
    remaining = aws(server, "lambda", "list-layer-versions", "--layer-name", layer)
    assert remaining["LayerVersions"] == []
    settings = aws(server, "lambda", "get-account-settings")
    assert settings["AccountLimit"]["CodeSizeZipped"] == 50 * 1024 * 1024


def test_cli_reports_aws_errors(server: RunningServer, tmp_path: Path) -> None:
    garbage = tmp_path / "escape.zip"
    garbage.write_bytes(make_zip({"../escape.py": "x = 1\n"}))
    stderr = aws_error(server, "lambda", "get-function-configuration", "--function-name", "nope")
    assert "ResourceNotFoundException" in stderr
    stderr = aws_error(server, "lambda", "create-function", "--function-name", "x",
                       "--runtime", "python3.11", "--handler", "app.handler", "--role",
                       f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                       "--zip-file", f"fileb://{garbage}")  # fmt: skip
    assert "InvalidParameterValueException" in stderr
    assert "outside the archive root" in stderr


def test_invoke_with_the_aws_cli(server: RunningServer, tmp_path: Path) -> None:
    name = f"cli-inv-{uuid.uuid4().hex[:8]}"
    package = tmp_path / "fn.zip"
    package.write_bytes(PYTHON_ECHO)
    role = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
    aws(server, "lambda", "create-function", "--function-name", name, "--runtime", "python3.11",
        "--handler", "app.handler", "--role", role, "--zip-file", f"fileb://{package}")  # fmt: skip
    out = tmp_path / "out.json"
    meta = aws(server, "lambda", "invoke", "--function-name", name, "--payload", '{"k": "v"}',
               "--log-type", "Tail", str(out))  # fmt: skip
    assert meta["StatusCode"] == 200
    assert meta["ExecutedVersion"] == "$LATEST"
    assert json.loads(out.read_text()) == {"echo": {"k": "v"}}
    assert "REPORT RequestId" in base64.b64decode(meta["LogResult"]).decode()
