"""Reserved concurrency and the account limit, enforced on invoke with Lambda's 429."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

SLOW = "import time\ndef handler(e, c):\n    time.sleep(e.get('sleep', 0))\n    return 'ok'\n"


def create(server: RunningServer) -> str:
    lam = server.client("lambda")
    name = f"conc-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": SLOW})},
    )
    return name


def invoke(server: RunningServer, name: str, sleep: Any = 0) -> Any:
    lam = server.client("lambda")
    try:
        reply = lam.invoke(FunctionName=name, Payload=json.dumps({"sleep": sleep}).encode())
        return json.loads(reply["Payload"].read())
    except ClientError as exc:
        return exc.response


def test_reserved_concurrency_zero_disables_and_deleting_restores(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = create(server)
    assert invoke(server, name) == "ok"
    put = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert put["ReservedConcurrentExecutions"] == 0
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 0}
    refused = invoke(server, name)
    assert refused["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert refused["Error"]["Code"] == "TooManyRequestsException"
    assert refused["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    lam.delete_function_concurrency(FunctionName=name)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    assert invoke(server, name) == "ok"


def test_reserved_concurrency_caps_parallel_invocations(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = create(server)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: invoke(server, name, 1.0), range(3)))
    served = [r for r in results if r == "ok"]
    throttled = [r for r in results if isinstance(r, dict)]
    assert len(served) >= 1
    assert len(throttled) >= 1
    assert all(r["Error"]["Code"] == "TooManyRequestsException" for r in throttled)


def test_reservations_keep_the_unreserved_minimum(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = create(server)
    before = lam.get_account_settings()["AccountLimit"]
    with pytest.raises(ClientError) as exc:
        lam.put_function_concurrency(
            FunctionName=name,
            ReservedConcurrentExecutions=before["UnreservedConcurrentExecutions"] - 99,
        )
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "below its minimum value of [100]" in exc.value.response["Error"]["Message"]
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=50)
    after = lam.get_account_settings()["AccountLimit"]
    assert after["UnreservedConcurrentExecutions"] == before["UnreservedConcurrentExecutions"] - 50
    lam.delete_function_concurrency(FunctionName=name)


def test_stats_count_invocations_errors_and_throttles(server: RunningServer) -> None:
    import subprocess
    import sys
    import time

    lam = server.client("lambda")
    name = create(server)
    assert invoke(server, name) == "ok"
    assert invoke(server, name, sleep="not a number") != "ok"  # a function error (TypeError)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert isinstance(invoke(server, name), dict)  # throttled
    lam.delete_function_concurrency(FunctionName=name)
    deadline = time.monotonic() + 10
    while True:  # the server saves counters every second
        done = subprocess.run(
            [sys.executable, "-m", "stockade", "stats", name, "--data-dir", str(server.data_dir),
             "--json"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)
        if (rows and rows[0]["throttles"] == 1) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    (row,) = rows
    assert row["version"] == "$LATEST"
    assert (row["invocations"], row["errors"], row["throttles"]) == (2, 1, 1)
    assert row["max_concurrent_executions"] == 1
    assert row["concurrent_executions"] == 0
