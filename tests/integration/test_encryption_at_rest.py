"""Canaries written through every API that stores tenant secrets never reach the data dir in
plaintext (nor base64- or JSON-escaped)."""

from __future__ import annotations

import base64
import io
import json
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from tests.support.server import running_server

pytestmark = pytest.mark.integration


def encodings(canary: bytes) -> list[bytes]:
    """The canary as found raw, or inside base64 at any of the three byte alignments."""
    forms = [canary]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + canary)
        forms.append(encoded[4:-4])  # the part that does not depend on neighbours
    return forms


def stored_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # no compression to hide in
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_no_canary_reaches_the_data_dir(tmp_path: Path) -> None:
    canaries = {kind: f"canary-{kind}-{uuid.uuid4().hex}" for kind in
                ("env", "code", "payload", "event", "message", "secret")}  # fmt: skip
    data_dir = tmp_path / "data"
    with running_server(data_dir, "--async-retry-delay", "0.2") as server:
        lam, sqs, iam = server.client("lambda"), server.client("sqs"), server.client("iam")
        role = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
        code = stored_zip({
            # It prints its payload: function logs are tenant data too.
            "app.py": "def handler(event, context):\n    print(event)\n    return {'ok': True}\n",
            "data.txt": canaries["code"],
        })  # fmt: skip
        lam.create_function(
            FunctionName="canary", Runtime="python3.11", Role=role, Handler="app.handler",
            Code={"ZipFile": code}, Environment={"Variables": {"SECRET_VALUE": canaries["env"]}},
        )  # fmt: skip
        reply = lam.invoke(FunctionName="canary", Payload=json.dumps({"v": canaries["payload"]}))
        assert json.loads(reply["Payload"].read()) == {"ok": True}
        lam.put_function_concurrency(FunctionName="canary", ReservedConcurrentExecutions=0)
        accepted = lam.invoke(
            FunctionName="canary", InvocationType="Event",
            Payload=json.dumps({"v": canaries["event"]}),
        )  # fmt: skip
        assert accepted["StatusCode"] == 202  # held in the queue: throttled
        url = sqs.create_queue(QueueName="canaries")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=canaries["message"])
        iam.create_user(UserName="canary-user")
        key = iam.create_access_key(UserName="canary-user")["AccessKey"]
        canaries["secret"] = key["SecretAccessKey"]
        time.sleep(1.5)  # let background writers (logs, counters) flush
        # The printed payload is stored (and readable through the API), yet not in plaintext.
        logs = server.client("logs")
        # (searched by its random part: the search itself is audited, as CloudTrail does)
        phrase = f'"{canaries["payload"].rsplit("-", 1)[1]}"'
        printed = logs.filter_log_events(logGroupName="/aws/lambda/canary", filterPattern=phrase)
        printed = printed["events"]
        assert len(printed) == 1
        found = scan(data_dir, canaries)
    assert found == {}, f"plaintext found in the data dir: {found}"
    # The scan does find plaintext: the administrator's secret is in the credentials file by
    # design (AWS's shared-credentials format), and nowhere else.
    admin_secret = server.credentials()[1]
    assert scan(data_dir, {"admin": admin_secret}) == {"admin": ["credentials"]}
    # After a clean shutdown too (checkpointed WAL, sealed files).
    assert scan(data_dir, canaries) == {}


def scan(data_dir: Path, canaries: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        content = path.read_bytes()
        for kind, canary in canaries.items():
            if any(form in content for form in encodings(canary.encode())):
                found.setdefault(kind, []).append(str(path.relative_to(data_dir)))
    return found
