"""boto3's Lambda waiters (botocore's waiters-2 model) against a real server.

Lambda answers a create with `State: Pending` and an update with `LastUpdateStatus: InProgress`;
SDK automation then waits for Active / Successful with these waiters. Each wait here is bounded
(one attempt must succeed), so a server that never completed the transition fails the test
instead of hanging it.
"""

from __future__ import annotations

import time
import uuid

import pytest
from botocore.exceptions import WaiterError

from tests.support.packages import PYTHON_ECHO, make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

ONCE = {"Delay": 1, "MaxAttempts": 1}  # the first poll must already see the final state


def test_waiters_see_a_created_function_active(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = f"wait-{uuid.uuid4().hex[:10]}"
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": PYTHON_ECHO},
        Publish=True,
    )
    assert created["State"] == "Pending"
    for waiter in ("function_exists", "function_active_v2", "function_active"):
        lam.get_waiter(waiter).wait(FunctionName=name, WaiterConfig=ONCE)
    lam.get_waiter("published_version_active").wait(
        FunctionName=name, Qualifier="1", WaiterConfig=ONCE
    )
    reply = lam.invoke(FunctionName=name, Payload=b'{"ok": true}')
    assert reply["StatusCode"] == 200
    assert "FunctionError" not in reply

    updated = lam.update_function_code(
        FunctionName=name, ZipFile=make_zip({"app.py": "def handler(e, c):\n    return 2\n"})
    )
    assert updated["LastUpdateStatus"] == "InProgress"
    for waiter in ("function_updated_v2", "function_updated"):
        lam.get_waiter(waiter).wait(FunctionName=name, WaiterConfig=ONCE)
    configured = lam.update_function_configuration(FunctionName=name, Timeout=10)
    assert configured["LastUpdateStatus"] == "InProgress"
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=ONCE)
    assert lam.invoke(FunctionName=name)["Payload"].read() == b"2"


def test_function_exists_keeps_waiting_for_a_missing_function(server: RunningServer) -> None:
    lam = server.client("lambda")
    started = time.monotonic()
    with pytest.raises(WaiterError) as gave_up:
        lam.get_waiter("function_exists").wait(
            FunctionName=f"missing-{uuid.uuid4().hex[:8]}",
            WaiterConfig={"Delay": 1, "MaxAttempts": 2},
        )
    assert "Max attempts exceeded" in str(gave_up.value)
    assert time.monotonic() - started < 30
