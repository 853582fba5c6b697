"""Compliance rules, evaluated on every change and on demand, flip as configurations change;
each change of result reaches the account's webhook (a real receiver on 127.0.0.1), retried
when the receiver fails; functions on deprecated runtimes are listed."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from stockade.crypto.webhook_signature import verify
from tests.integration.test_audit_trail import records as audit_records
from tests.support.packages import PYTHON_ECHO
from tests.support.server import REPO, RunningServer, running_server

pytestmark = pytest.mark.integration

CONCURRENCY = "lambda-concurrency-check"
DLQ = "lambda-dlq-check"
PUBLIC = "lambda-function-public-access-prohibited"
SETTINGS = "lambda-function-settings-check"
VPC = "lambda-inside-vpc"
DEPRECATION = "stockade-runtime-deprecation"


def stockade(*args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(
        [sys.executable, "-m", "stockade", *args],
        env=clean, capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


class Receiver:
    """A webhook receiver: answers 500 to the first `failures` POSTs, then 204."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.received: list[dict[str, Any]] = []
        self.signed: list[tuple[str, bytes]] = []  # every POST's signature and body
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with owner.lock:
                    owner.signed.append((self.headers.get("Stockade-Signature", ""), body))
                    owner.attempts += 1
                    failing = owner.attempts <= owner.failures
                    if not failing:
                        owner.received.append(json.loads(body))
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/compliance?token=s3cret"

    def notices(self, function: str) -> list[dict[str, Any]]:
        with self.lock:
            return [n for n in self.received if n["resourceId"] == function]

    def wait_for(self, function: str, rule: str, compliance: str, request_id: str | None) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for notice in self.notices(function):
                result = notice["newEvaluationResult"]["complianceType"]
                if (notice["configRuleName"], result, notice["cause"]["requestID"]) == (
                    rule, compliance, request_id
                ):  # fmt: skip
                    return
            time.sleep(0.1)
        raise AssertionError(f"no {rule} {compliance} notice for {request_id}: {self.received}")


@contextmanager
def receiving(failures: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(failures)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def report(server: RunningServer, name: str) -> dict[str, tuple[str, str]]:
    rows = json.loads(stockade("compliance", "--json", "--data-dir", str(server.data_dir)).stdout)
    assert all(set(r) >= {"function", "rule", "compliance", "reason"} for r in rows)
    return {r["rule"]: (r["compliance"], r["reason"]) for r in rows if r["function"] == name}


def rid(response: dict[str, Any]) -> str:
    return str(response["ResponseMetadata"]["RequestId"])


def test_each_rule_flips_as_the_configuration_changes_and_the_webhook_hears_it(
    tmp_path: Path,
) -> None:
    # Functions with the API channel only, so lambda-inside-vpc starts COMPLIANT.
    with (
        receiving(failures=1) as receiver,
        running_server(tmp_path / "data", "--function-network", "none") as server,
    ):
        data = str(server.data_dir)
        told = stockade("compliance", "webhook", receiver.url, "--data-dir", data).stdout
        secret = told.split("signing secret: ", 1)[1].split()[0]
        for rule, *params in (
            (CONCURRENCY, "ConcurrencyLimitHigh=10"),
            (DLQ,),
            (PUBLIC,),
            (SETTINGS, "runtime=python3.11,python3.12", "memorySize=128", "timeout=3"),
            (VPC,),
        ):
            stockade("compliance", "enable", rule, *(f"--param={p}" for p in params),
                     "--data-dir", data)  # fmt: skip
        lam, sqs = server.client("lambda"), server.client("sqs")
        name = f"checked-{uuid.uuid4().hex[:6]}"
        created = lam.create_function(
            FunctionName=name, Runtime="python3.11", Handler="app.handler",
            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
            Code={"ZipFile": PYTHON_ECHO},
        )  # fmt: skip
        first = report(server, name)
        assert {rule: result[0] for rule, result in first.items()} == {
            CONCURRENCY: "NON_COMPLIANT", DLQ: "NON_COMPLIANT", PUBLIC: "COMPLIANT",
            SETTINGS: "COMPLIANT", VPC: "COMPLIANT", DEPRECATION: "NON_COMPLIANT",
        }  # fmt: skip
        assert "python3.11 is deprecated since 2026-06-30" in first[DEPRECATION][1]
        receiver.wait_for(name, DLQ, "NON_COMPLIANT", rid(created))

        reserved = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
        assert report(server, name)[CONCURRENCY][0] == "COMPLIANT"
        receiver.wait_for(name, CONCURRENCY, "COMPLIANT", rid(reserved))
        too_many = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=50)
        assert report(server, name)[CONCURRENCY] == (
            "NON_COMPLIANT",
            "reserved concurrency 50 is above ConcurrencyLimitHigh 10",
        )
        receiver.wait_for(name, CONCURRENCY, "NON_COMPLIANT", rid(too_many))

        queue = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:6]}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]  # fmt: skip
        dead_letter = lam.update_function_configuration(
            FunctionName=name, DeadLetterConfig={"TargetArn": queue_arn}
        )
        assert report(server, name)[DLQ] == ("COMPLIANT", f"dead-letter queue {queue_arn}")
        receiver.wait_for(name, DLQ, "COMPLIANT", rid(dead_letter))

        opened = lam.add_permission(FunctionName=name, StatementId="everyone",
                                    Action="lambda:InvokeFunction", Principal="*")  # fmt: skip
        assert report(server, name)[PUBLIC] == (
            "NON_COMPLIANT",
            "the resource policy allows public access ($function: everyone)",
        )
        receiver.wait_for(name, PUBLIC, "NON_COMPLIANT", rid(opened))
        closed = lam.remove_permission(FunctionName=name, StatementId="everyone")
        assert report(server, name)[PUBLIC][0] == "COMPLIANT"
        receiver.wait_for(name, PUBLIC, "COMPLIANT", rid(closed))

        bigger = lam.update_function_configuration(FunctionName=name, MemorySize=256)
        assert report(server, name)[SETTINGS] == ("NON_COMPLIANT", "memorySize 256 is not 128")
        receiver.wait_for(name, SETTINGS, "NON_COMPLIANT", rid(bigger))

        # Changing a rule's parameters re-evaluates on the spot, caused by the operator.
        stockade("compliance", "enable", SETTINGS, "--param", "runtime=python3.11",
                 "--param", "memorySize=256", "--data-dir", data)  # fmt: skip
        assert report(server, name)[SETTINGS][0] == "COMPLIANT"
        receiver.wait_for(name, SETTINGS, "COMPLIANT", None)

        text = stockade("compliance", "--data-dir", data).stdout
        assert "Functions on deprecated runtimes:" in text
        assert f"  {name}: python3.11 is deprecated since 2026-06-30" in text

        changes = json.loads(stockade("compliance", "changes", "--json", "--data-dir",
                                      data).stdout)  # fmt: skip
        mine = [c for c in changes if c["function"] == name]
        assert mine[0]["eventName"] == "CreateFunction20150331"
        assert mine[0]["requestID"] == rid(created)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(c["delivery"] == "PENDING" for c in mine):
            time.sleep(0.2)
            changes = json.loads(stockade("compliance", "changes", "--json", "--data-dir",
                                          data).stdout)  # fmt: skip
            mine = [c for c in changes if c["function"] == name]
        assert {c["delivery"] for c in mine} == {"DELIVERED"}
        # The receiver failed the first POST: that change was delivered on its second attempt.
        assert sorted(c["attempts"] for c in mine)[-1] == 2
        log = server.log()
    # The URL may carry a token: never logged, sealed at rest.
    # Every POST, retried ones included, is signed with the secret the operator was shown.
    now = int(time.time())
    assert receiver.signed
    assert all(verify(secret, sig, body, now, tolerance_s=600) for sig, body in receiver.signed)
    # The refused first POST was retried: the same change, signed afresh for its own time.
    refused_sig, refused_body = receiver.signed[0]
    retried = [sig for sig, body in receiver.signed[1:] if body == refused_body]
    assert len(retried) == 1
    assert retried[0] != refused_sig
    # The URL may carry a token, and the signing secret is a secret: never logged, sealed.
    forms = [
        b"s3cret",
        secret.encode(),
        bytes.fromhex(secret),
        base64.b64encode(bytes.fromhex(secret)),
    ]
    assert "s3cret" not in log
    assert secret not in log
    for stored in server.data_dir.rglob("*"):
        if stored.is_file():
            raw = stored.read_bytes()
            assert not any(form in raw for form in forms), stored.name
    notice = receiver.notices(name)[0]
    assert notice["messageType"] == "ComplianceChangeNotification"
    assert notice["resourceType"] == "AWS::Lambda::Function"
    assert notice["awsAccountId"] == server.account_id


def test_inside_vpc_follows_the_function_network(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir, "--function-network", "none") as server:
        stockade("compliance", "enable", VPC, "--data-dir", str(data_dir))
        server.client("lambda").create_function(
            FunctionName="networked", Runtime="python3.11", Handler="app.handler",
            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
            Code={"ZipFile": PYTHON_ECHO},
        )  # fmt: skip
        assert report(server, "networked")[VPC][0] == "COMPLIANT"
    # The operator turns the default network on: recorded at start, and the rule says so.
    with running_server(data_dir) as server:
        assert report(server, "networked")[VPC] == (
            "NON_COMPLIANT",
            "the function's environments have outbound network access (Outbound)",
        )
        history = json.loads(stockade("config", "history", "networked", "--json", "--data-dir",
                                      str(data_dir)).stdout)  # fmt: skip
    assert history[-1]["relatedEvents"][0]["eventName"] == "StockadeServerStart"
    assert history[-1]["changes"] == [
        {"path": "network.mode", "before": "StockadeApiOnly", "after": "Outbound"}
    ]
    # Without the sandbox, functions run with the host's network.
    with running_server(data_dir, "--unsafe-no-sandbox") as server:
        assert report(server, "networked")[VPC][1].endswith("(Host)")


def test_config_history_links_create_update_delete_to_their_audit_records(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    secret = f"canary-{uuid.uuid4().hex}"
    with running_server(data_dir, "--audit-period", "3600", "--function-network", "none") as server:
        lam = server.client("lambda")
        name = f"history-{uuid.uuid4().hex[:6]}"
        made = [("CreateFunction20150331", rid(lam.create_function(
            FunctionName=name, Runtime="python3.11", Handler="app.handler",
            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
            Code={"ZipFile": PYTHON_ECHO},
        )))]  # fmt: skip
        made.append(("UpdateFunctionConfiguration20150331v2", rid(lam.update_function_configuration(
            FunctionName=name, MemorySize=256,
            Environment={"Variables": {"DB_PASSWORD": secret}},
        ))))  # fmt: skip
        arn = f"arn:aws:lambda:{server.region}:{server.account_id}:function:{name}"
        tagged = lam.tag_resource(Resource=arn, Tags={"team": "a"})
        made.append(("TagResource20170331v2", rid(tagged)))
        lam.publish_version(FunctionName=name)  # changes nothing an item records
        made.append(("DeleteFunction20150331", rid(lam.delete_function(FunctionName=name))))
        shown = stockade("config", "history", name, "--json", "--data-dir", str(data_dir))
        text = stockade("config", "history", name, "--data-dir", str(data_dir)).stdout
    items = json.loads(shown.stdout)
    assert secret not in shown.stdout
    assert secret not in text
    assert [i["configurationItemStatus"] for i in items] == [
        "ResourceDiscovered", "OK", "OK", "ResourceDeleted"]  # fmt: skip
    assert [i["configurationStateId"] for i in items] == ["1", "2", "3", "4"]
    assert all(i["resourceType"] == "AWS::Lambda::Function" and i["resourceId"] == name
               for i in items)  # fmt: skip
    assert items[0]["configuration"]["runtime"] == "python3.11"
    assert items[0]["configuration"]["network"]["mode"] == "StockadeApiOnly"
    assert {c["path"]: (c["before"], c["after"]) for c in items[1]["changes"]} == {
        "memorySize": (128, 256),
        "environment.variableNames": ([], ["DB_PASSWORD"]),
        "environment.encrypted": (False, True),
    }
    assert items[2]["changes"] == [{"path": "tags.team", "before": None, "after": "a"}]
    assert items[3]["configuration"] == {}
    assert "memorySize: 128 -> 256" in text

    audit = {r["requestID"]: r for r in audit_records(data_dir)}  # delivered at shutdown
    for item, (event_name, request_id) in zip(items, made, strict=True):
        (related,) = item["relatedEvents"]
        assert related == {"eventName": event_name, "requestID": request_id}
        record = audit[request_id]
        assert record["eventName"] == event_name
        noted = record["additionalEventData"]["configurationItem"]
        assert noted["configurationStateId"] == item["configurationStateId"]
