"""Operator commands go through the kernel as the host's operator and leave an audit record,
whether the server is up (its operator socket) or down (a kernel of the command's own)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.support.server import REPO, RunningServer, running_server

pytestmark = pytest.mark.integration
OPERATOR_SOURCE = "operator.stockade"


def stockade(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stockade", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
    )  # fmt: skip


def operator_records(server: RunningServer) -> list[dict[str, Any]]:
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": OPERATOR_SOURCE}],
        MaxResults=50,
    )["Events"]
    return [json.loads(event["CloudTrailEvent"]) for event in events]


def test_every_operator_command_is_audited_as_the_operator(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key_file = tmp_path / "trail.pem"
    commands = [
        (("accounts", "create", "tenant-x", "--json"), "CreateAccount"),
        (("compliance", "enable", "lambda-dlq-check"), "EnableComplianceRule"),
        (("compliance", "rules", "--json"), "ListComplianceRules"),
        (("compliance",), "EvaluateCompliance"),
        (("compliance", "webhook", "https://hooks.example/x?token=abc"), "PutComplianceWebhook"),
        (("compliance", "webhook", "--clear"), "DeleteComplianceWebhook"),
        (("compliance", "changes", "--json"), "ListComplianceChanges"),
        (("compliance", "disable", "lambda-dlq-check"), "DisableComplianceRule"),
        (("config", "history", "no-such-function"), "GetConfigurationHistory"),
        (("stats", "no-such-function"), "GetFunctionStats"),
        (
            ("stats", "--event-source-mapping", "6f1c2a9e-0000-4000-8000-000000000001"),
            "GetEventSourceMappingStats",
        ),
        (("stats", "--rule", "no-such-rule"), "GetRuleStats"),
        (("audit", "export-public-key", "--output", str(key_file)), "GetAuditDigestPublicKey"),
        (("audit", "verify", "--public-key", str(key_file)), "RecordTrailVerification"),
    ]
    with running_server(data_dir) as server:
        outputs = {}
        for args, _ in commands:
            done = stockade(data_dir, *args)
            outputs[args] = done
            # Refused (recorded too): no such function, no counters of such a mapping or rule.
            refused = args[:2] in (("config", "history"), ("stats", "--event-source-mapping"),
                                   ("stats", "--rule"))  # fmt: skip
            if not refused:
                assert done.returncode == 0, (args, done.stderr)
        records = {record["eventName"]: record for record in operator_records(server)}
        assert set(records) == {name for _, name in commands}
        for record in records.values():
            identity = record["userIdentity"]
            assert identity["type"] == "StockadeOperator"
            assert identity["principalId"] == f"operator:{os.geteuid()}"
            assert identity["accountId"] == server.account_id
        created = json.loads(outputs[commands[0][0]].stdout)
        written = records["CreateAccount"]["responseElements"]
        assert written["AccountId"] == created["account_id"]
        assert written["SecretAccessKey"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
        for failed in ("GetConfigurationHistory", "GetEventSourceMappingStats", "GetRuleStats"):
            assert records[failed]["errorCode"] == "ResourceNotFoundException"
        webhook = records["PutComplianceWebhook"]
        assert "token=abc" not in json.dumps(webhook)
        put_webhook = outputs[commands[4][0]].stdout
        secret = put_webhook.split("signing secret: ")[1].split()[0]
        assert secret not in json.dumps(webhook)
        verified = records["RecordTrailVerification"]["requestParameters"]
        assert verified["Problems"] == 0
        assert verified["OwnPublicKey"] is False


def test_with_the_server_down_the_command_runs_and_is_audited_all_the_same(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir):
        pass
    done = stockade(data_dir, "accounts", "create", "offline-tenant", "--json")
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    with running_server(data_dir) as server:
        records = [r for r in operator_records(server) if r["eventName"] == "CreateAccount"]
        assert [r["responseElements"]["AccountId"] for r in records] == [created["account_id"]]
        creds = (created["AccessKeyId"], created["SecretAccessKey"])
        assert (
            server.client("sts", credentials=creds).get_caller_identity()["Account"]
            == (created["account_id"])
        )


def test_the_operator_socket_is_private_to_the_server_user(server: RunningServer) -> None:
    socket_file = server.data_dir / "operator.sock"
    assert stat.S_ISSOCK(socket_file.stat().st_mode)
    assert stat.S_IMODE(socket_file.stat().st_mode) == 0o600
    # Another host user cannot even connect (the file and the data dir are the server's).
    probe = (
        "import socket,sys\n"
        "s=socket.socket(socket.AF_UNIX)\n"
        "try:\n    s.connect(sys.argv[1])\nexcept OSError as e:\n    print(type(e).__name__)\n"
        "else:\n    print('connected')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(socket_file)],
        capture_output=True, text=True, timeout=30, check=False, user=65534, group=65534,
    )  # fmt: skip
    assert done.stdout.strip() == "PermissionError", done.stderr


def test_an_iam_administrator_cannot_reach_operator_operations(server: RunningServer) -> None:
    # The administrator's policy allows "*", but the operator API is served on no network
    # endpoint: a request signed for it is refused as a service this server does not serve.
    key, secret = server.credentials()
    request = AWSRequest(
        "POST", f"{server.url}/", data=b'{"Name": "sneaky"}',
        headers={"X-Amz-Target": "StockadeOperator_20261207.CreateAccount",
                 "Content-Type": "application/x-amz-json-1.1"},
    )  # fmt: skip
    SigV4Auth(Credentials(key, secret), "stockade", server.region).add_auth(request)
    sent = urllib.request.Request(
        request.url, data=request.body, headers=dict(request.headers), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(sent, context=server.ssl_context(), timeout=30)
    assert refused.value.code == 501
    assert json.loads(refused.value.read())["__type"].endswith("NotImplemented")
