"""`stockade accounts create`: isolated accounts, created while the server runs."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_iam import error, function_arn, new_function
from tests.support.server import REPO, RunningServer

pytestmark = pytest.mark.integration


def create_account(server: RunningServer, name: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "stockade", "accounts", "create", name,
         "--data-dir", str(server.data_dir), "--json"],
        capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    created: dict[str, Any] = json.loads(done.stdout)
    return created


def test_a_second_account_is_isolated_from_the_first(server: RunningServer) -> None:
    fn = new_function(server)
    other = create_account(server, "tenant-b")
    assert set(other) == {"account_id", "AccessKeyId", "SecretAccessKey"}
    assert other["account_id"] != server.account_id
    creds = (other["AccessKeyId"], other["SecretAccessKey"])
    assert other["SecretAccessKey"] not in server.log()

    me = server.client("sts", credentials=creds).get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::{other['account_id']}:user/stockade-admin"
    lam = server.client("lambda", credentials=creds)
    assert fn not in {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    with pytest.raises(ClientError) as denied:
        lam.get_function(FunctionName=function_arn(server, fn))
    code, message, _ = error(denied)
    assert code == "AccessDeniedException"
    assert "because no resource-based policy allows the lambda:GetFunction action" in message
    iam = server.client("iam", credentials=creds)
    assert {u["UserName"] for u in iam.list_users()["Users"]} == {"stockade-admin"}


def test_accounts_create_needs_an_existing_data_dir(tmp_path: Any) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stockade", "accounts", "create", "x",
         "--data-dir", str(tmp_path / "missing")],
        capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
    )  # fmt: skip
    assert done.returncode != 0
    assert "start the server first" in done.stderr
