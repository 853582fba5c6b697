"""Everything Stockade writes in its data dir is private: files 0600, directories 0700, even for
a server (and an operator command) started with umask 000, and a data dir left with looser modes
is repaired at the next start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.integration.test_logs_api import until
from tests.support.packages import make_zip
from tests.support.server import REPO, RunningServer, start_server

pytestmark = pytest.mark.integration

# `sh -c '...' sh ARGV...`: the server runs with the loosest umask there is.
UMASK_000 = ("sh", "-c", 'umask 000; exec "$@"', "sh", sys.executable, "-m", "stockade")
ROLL_WAIT_S = 20.0  # the audit period is 1 s; delivery is a background round

APP = """
import json, os
def handler(event, context):
    print("handled", json.dumps(event))
    with open("/tmp/scratch", "w") as f:  # the function's own files follow its own umask
        f.write("x")
    return {"secret_seen": os.environ.get("SECRET") == "s3cr3t"}
"""


def offenders(data_dir: Path) -> list[str]:
    """Every path under the data dir whose mode is not 0600 (files) / 0700 (directories)."""
    found = []
    for path in [data_dir, *sorted(data_dir.rglob("*"))]:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:  # a temporary file renamed into place while we walked
            continue
        if stat.S_ISLNK(mode):
            found.append(f"{path} (a symlink)")
            continue
        wanted = 0o700 if stat.S_ISDIR(mode) else 0o600
        if stat.S_IMODE(mode) != wanted:
            found.append(f"{oct(stat.S_IMODE(mode))} {path.relative_to(data_dir.parent)}")
    return found


def exercise(server: RunningServer) -> None:
    """A call of each kind that writes something: functions, invokes (sync and async), logs,
    queues, keys, event selectors, an operator command; then an audit roll."""
    lam, logs, sqs, kms = (server.client(s) for s in ("lambda", "logs", "sqs", "kms"))
    name = f"modes-{uuid.uuid4().hex[:6]}"
    role = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": APP})},
                        Environment={"Variables": {"SECRET": "s3cr3t"}})  # fmt: skip
    reply = lam.invoke(FunctionName=name, Payload=b'{"n": 1}')
    assert reply["Payload"].read() == b'{"secret_seen": true}'
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    group = f"/aws/lambda/{name}"

    def logged() -> bool:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:  # the writer has not run yet
            return False
        return any("handled" in e["message"] for e in events)

    assert until(logged), "the function's log line was not stored"

    queue = sqs.create_queue(QueueName=f"modes-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "hello"

    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"p")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"p"

    server.client("cloudtrail").put_event_selectors(
        TrailName="stockade",
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    )
    created = subprocess.run(
        [*UMASK_000, "accounts", "create", "tenant", "--data-dir", str(server.data_dir)],
        capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr

    delivered = server.data_dir / "audit" / "AWSLogs"
    assert until(lambda: any(delivered.rglob("*.json.gz")), ROLL_WAIT_S), "no audit roll"


def test_every_file_is_0600_and_every_directory_0700_whatever_the_umask(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir, None, "--audit-period", "1", command=UMASK_000)
    try:
        exercise(server)
        assert not offenders(data_dir), "\n".join(offenders(data_dir))
    finally:
        stopped = server.stop()
    assert stopped == 0, server.log()
    # Stopping seals the audit period (a digest file) and checkpoints the databases.
    assert not offenders(data_dir), "\n".join(offenders(data_dir))


def test_a_data_dir_with_looser_modes_is_made_private_at_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_server(data_dir, command=UMASK_000)
    assert first.stop() == 0, first.log()
    # As a version before these rules left it: databases 0644, directories 0755.
    for path in (data_dir / "stockade.db", data_dir / "keys.db", data_dir / "endpoint.json"):
        path.chmod(0o644)
    for directory in (data_dir, data_dir / "audit"):
        directory.chmod(0o755)
    assert offenders(data_dir)

    again = start_server(data_dir, command=UMASK_000)
    try:
        assert not offenders(data_dir), "\n".join(offenders(data_dir))
    finally:
        stopped = again.stop()
    assert stopped == 0, again.log()
