"""Runtime management end to end: boto3 and the AWS CLI against a real server, real sandboxes.

The server's installed runtime files are its newest runtime versions; the ARN a function shows
in RuntimeVersionConfig can be pinned (Manual) and the function still runs. Runtime updates
themselves are simulated in tests/control/test_runtime_management.py (in-process, two
"installations" over one data dir) and tests/sandbox/test_runtime_versions_real.py (real
sandboxes running the kept copies).
"""

from __future__ import annotations

import json
import stat
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.sandbox.runtime_versions import InstalledRuntimeFiles
from stockade.sandbox.spec import Runtime
from tests.integration.test_aws_cli import aws
from tests.support.packages import PYTHON_ECHO
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def _create(server: RunningServer, lam: Any) -> str:
    name = f"rtm-{uuid.uuid4().hex[:10]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": PYTHON_ECHO},
    )
    return name


def test_a_function_pinned_to_its_runtime_version_runs(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = _create(server, lam)
    installed = InstalledRuntimeFiles().bundle(Runtime.PYTHON311).digest
    expected = f"arn:aws:lambda:{server.region}::runtime:{installed}"
    shown = lam.get_function_configuration(FunctionName=name)["RuntimeVersionConfig"]
    assert shown == {"RuntimeVersionArn": expected}
    put = lam.put_runtime_management_config(
        FunctionName=name, UpdateRuntimeOn="Manual", RuntimeVersionArn=expected
    )
    assert (put["UpdateRuntimeOn"], put["RuntimeVersionArn"]) == ("Manual", expected)
    result = lam.invoke(FunctionName=name, Payload=b'{"n": 1}')
    assert "FunctionError" not in result
    assert json.loads(result["Payload"].read()) == {"echo": {"n": 1}}
    with pytest.raises(ClientError) as caught:
        lam.put_runtime_management_config(
            FunctionName=name,
            UpdateRuntimeOn="Manual",
            RuntimeVersionArn=expected[:-1] + ("0" if expected[-1] != "0" else "1"),
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    kept = server.data_dir / "runtimes" / f"{installed}.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_runtime_management_with_the_aws_cli(server: RunningServer) -> None:
    name = _create(server, server.client("lambda"))
    got = aws(server, "lambda", "get-runtime-management-config", "--function-name", name)
    assert got["UpdateRuntimeOn"] == "Auto"
    assert "RuntimeVersionArn" not in got
    put = aws(
        server, "lambda", "put-runtime-management-config", "--function-name", name,
        "--update-runtime-on", "FunctionUpdate",
    )  # fmt: skip
    assert put["UpdateRuntimeOn"] == "FunctionUpdate"
    got = aws(server, "lambda", "get-runtime-management-config", "--function-name", name)
    assert got["UpdateRuntimeOn"] == "FunctionUpdate"
