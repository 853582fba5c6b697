"""Provisioned concurrency: environments initialised ahead serve without a cold start."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def wait_ready(lam: Any, name: str, qualifier: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        config: dict[str, Any] = lam.get_provisioned_concurrency_config(
            FunctionName=name, Qualifier=qualifier
        )
        if config["Status"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return config
        time.sleep(0.1)


def test_provisioned_environments_serve_the_first_call_warm(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = f"prov-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return 'warm'\n"})},
        Publish=True,
    )
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    put = lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=2
    )
    assert put["Status"] in {"IN_PROGRESS", "READY"}
    ready = wait_ready(lam, name, "live")
    assert ready["Status"] == "READY", ready
    assert ready["AvailableProvisionedConcurrentExecutions"] == 2
    reply = lam.invoke(FunctionName=name, Qualifier="live", LogType="Tail", Payload=b"{}")
    log = base64.b64decode(reply["LogResult"]).decode()
    assert reply["Payload"].read() == b'"warm"'
    assert "REPORT RequestId" in log
    assert "Init Duration" not in log  # served by an environment initialised ahead
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)
    assert [
        c["FunctionArn"].rsplit(":", 1)[-1] for c in listed["ProvisionedConcurrencyConfigs"]
    ] == ["live"]
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    with pytest.raises(ClientError) as exc:
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    assert exc.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"


def test_latest_cannot_be_provisioned_and_failures_are_reported(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = f"prov-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": "raise ImportError('broken on purpose')\n"})},
        Publish=True,
    )
    with pytest.raises(ClientError) as exc:
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
        )
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
    )
    failed = wait_ready(lam, name, "1")
    assert failed["Status"] == "FAILED"
    assert failed["StatusReason"]
