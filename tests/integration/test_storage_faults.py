"""A full disk, a data dir that refuses writes, and a locked database: each write gets its
service's own internal error (Lambda ServiceException, SQS InternalFailure, IAM ServiceFailure,
KMS KMSInternalException; 500), nothing changes, the server stays up, and once the fault clears
the same requests succeed without a restart.

The data dir lives on a small ext4 filesystem in a loop device made for the test (needs root).
"Refuses writes" is done with immutable files and directories (`chattr +i`, EPERM): the kernel
refuses `mount -o remount,ro` while the server holds files open for writing (EBUSY), and ext4's
error-triggered read-only mode cannot be undone without unmounting.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import PYTHON_ECHO, make_zip
from tests.support.server import RunningServer, start_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]

IMAGE_BYTES = 96 * 1024 * 1024
EXPECTED = {"lambda": "ServiceException", "sqs": "InternalError", "iam": "ServiceFailure",
            "kms": "KMSInternalException"}  # fmt: skip
FUNCTION = "fault-function"
HANDLER = "def handler(event, context):\n    return event\n"
QUEUE = "fault-queue"


@dataclass
class Faulty:
    server: RunningServer
    mount: Path
    queue_url: str


def run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faulty]:
    tools = ("mkfs.ext4", "mount", "umount", "chattr")
    if os.geteuid() != 0 or any(shutil.which(tool) is None for tool in tools):
        pytest.skip("needs root and mkfs.ext4, mount and chattr")
    base = tmp_path_factory.mktemp("faults")
    image, mount = base / "disk.img", base / "mnt"
    mount.mkdir()
    with image.open("wb") as handle:
        handle.truncate(IMAGE_BYTES)
    run("mkfs.ext4", "-q", "-F", "-m", "0", str(image))  # no blocks reserved for root
    run("mount", "-o", "loop", str(image), str(mount))
    server = None
    try:
        server = start_server(mount / "data", None, "--storage-busy-timeout", "1")
        lam = server.client("lambda")
        lam.create_function(
            FunctionName=FUNCTION, Runtime="python3.11", Handler="app.handler",
            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
            Code={"ZipFile": PYTHON_ECHO},
        )  # fmt: skip
        queue_url = server.client("sqs").create_queue(QueueName=QUEUE)["QueueUrl"]
        yield Faulty(server, mount, queue_url)
    finally:
        if server is not None:
            server.stop()
        subprocess.run(["chattr", "-R", "-i", str(mount)], capture_output=True, check=False)
        subprocess.run(["umount", str(mount)], capture_output=True, check=False)
        image.unlink(missing_ok=True)


def state(faulty: Faulty) -> dict[str, Any]:
    """What the four writes below would change, as the APIs show it."""
    server = faulty.server
    function = server.client("lambda").get_function_configuration(FunctionName=FUNCTION)
    attributes = server.client("sqs").get_queue_attributes(
        QueueUrl=faulty.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return {
        "functions": sorted(
            f["FunctionName"] for f in server.client("lambda").list_functions()["Functions"]
        ),
        "description": function.get("Description", ""),
        "messages": attributes["ApproximateNumberOfMessages"],
        "users": sorted(u["UserName"] for u in server.client("iam").list_users()["Users"]),
        "keys": sorted(k["KeyId"] for k in server.client("kms").list_keys()["Keys"]),
    }


def writes(faulty: Faulty, tag: str) -> dict[str, Callable[[], object]]:
    server = faulty.server
    lam = server.client("lambda")
    return {
        "lambda-create": lambda: lam.create_function(
            FunctionName=f"fault-new-{tag}",
            Runtime="python3.11",
            Handler="app.handler",
            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
            Code={"ZipFile": make_zip({"app.py": f"# {tag}\n{HANDLER}"})},
        ),
        "lambda-update": lambda: lam.update_function_configuration(
            FunctionName=FUNCTION, Description=f"updated {tag}"
        ),
        "sqs": lambda: server.client("sqs").send_message(
            QueueUrl=faulty.queue_url, MessageBody=f"message {tag}"
        ),
        "iam": lambda: server.client("iam").create_user(UserName=f"fault-user-{tag}"),
        "kms": lambda: server.client("kms").create_key(Description=f"fault key {tag}"),
    }


def assert_refused_with_service_errors(faulty: Faulty, tag: str) -> None:
    for name, call in writes(faulty, tag).items():
        with pytest.raises(ClientError) as caught:
            call()
        response = caught.value.response
        assert response["Error"]["Code"] == EXPECTED[name.split("-")[0]], name
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 500, name
        assert "storage is unavailable" in response["Error"]["Message"], name


def until_refused(faulty: Faulty) -> None:
    """Read requests until one is refused: a full disk shows once the audit journal's last
    block is used up (reads change nothing, so those that still succeed are truthful)."""
    lam = faulty.server.client("lambda")
    deadline = time.monotonic() + 60
    for _ in range(2000):
        assert time.monotonic() < deadline, "the fault never showed"
        try:
            lam.list_functions(MaxItems=1)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            break
    else:
        raise AssertionError("the fault never showed")
    assert code == "ServiceException"


def until_served(faulty: Faulty) -> None:
    lam = faulty.server.client("lambda")
    deadline = time.monotonic() + 30
    while True:
        try:
            lam.list_functions(MaxItems=1)
            return
        except ClientError:
            assert time.monotonic() < deadline, "the server did not recover by itself"
            time.sleep(0.1)


def assert_recovered(faulty: Faulty, before: dict[str, Any], tag: str) -> None:
    until_served(faulty)
    assert state(faulty) == before, "a refused write changed something"
    for name, call in writes(faulty, tag).items():
        call()  # the same requests now succeed
        assert name
    after = state(faulty)
    assert f"fault-new-{tag}" in after["functions"]
    assert after["description"] == f"updated {tag}"
    assert f"fault-user-{tag}" in after["users"]
    assert len(after["keys"]) == len(before["keys"]) + 1
    assert faulty.server.process.poll() is None, "the server died"


def fill(path: Path) -> None:
    chunk = b"\0" * (1024 * 1024)
    with path.open("wb") as handle:
        try:
            while True:
                handle.write(chunk)
                handle.flush()
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
        with contextlib.suppress(OSError):  # whatever the last partial chunk left
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()


def test_a_full_disk(faulty: Faulty) -> None:
    tag = uuid.uuid4().hex[:6]
    before = state(faulty)
    filler = faulty.mount / "filler"
    try:
        fill(filler)
        until_refused(faulty)
        assert_refused_with_service_errors(faulty, tag)
        assert faulty.server.process.poll() is None
    finally:
        filler.unlink(missing_ok=True)
        os.sync()
    assert_recovered(faulty, before, tag)


def test_a_data_dir_that_refuses_writes(faulty: Faulty) -> None:
    tag = uuid.uuid4().hex[:6]
    before = state(faulty)
    data = faulty.mount / "data"
    # SQLite's shared-memory index is mapped into the server: an immutable one would make its
    # page faults fatal, which is not the fault under test. Sockets (the operator channel's)
    # take no file attributes.
    targets = [
        str(p) for p in [data, *data.rglob("*")]
        if not p.name.endswith("-shm") and (p.is_file() or p.is_dir())
    ]  # fmt: skip
    try:
        run("chattr", "+i", *targets)
        until_refused(faulty)
        assert_refused_with_service_errors(faulty, tag)
        assert faulty.server.process.poll() is None
    finally:
        run("chattr", "-i", *targets)
    assert_recovered(faulty, before, tag)


LOCKER = """
import sqlite3, sys
held = []
for path in sys.argv[1:]:
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("BEGIN EXCLUSIVE")
    held.append(db)
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_locked_database(faulty: Faulty) -> None:
    tag = uuid.uuid4().hex[:6]
    before = state(faulty)
    databases = sorted(str(p) for p in (faulty.mount / "data").glob("*.db"))
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, *databases],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert locker.stdout is not None
        assert locker.stdout.readline().strip() == "locked"
        assert_refused_with_service_errors(faulty, tag)
        faulty.server.client("lambda").list_functions()  # reads go on meanwhile
        assert faulty.server.process.poll() is None
    finally:
        assert locker.stdin is not None
        assert locker.stdout is not None
        locker.stdin.close()
        locker.wait(30)
        locker.stdout.close()
    assert_recovered(faulty, before, tag)
