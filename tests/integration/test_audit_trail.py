"""The audit trail: one CloudTrail record per API call (allowed or denied), nothing secret in
it, delivered into signed, chained files that `stockade audit verify` checks offline."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.packages import make_zip
from tests.support.server import REPO, RunningServer, running_server

pytestmark = pytest.mark.integration


def records(data_dir: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted((data_dir / "audit" / "AWSLogs").rglob("*.json.gz")):
        if "CloudTrail-Digest" not in path.parts:
            found.extend(json.loads(gzip.decompress(path.read_bytes()))["Records"])
    return found


def request_id(reply_or_error: Any) -> str:
    response = reply_or_error.response if isinstance(reply_or_error, ClientError) else (
        reply_or_error)  # fmt: skip
    return str(response["ResponseMetadata"]["RequestId"])


def failing(call: Any, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    return exc.value


def verify(data_dir: Path, public_key: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stockade", "audit", "verify", "--data-dir", str(data_dir),
         "--public-key", str(public_key)],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=False,
    )  # fmt: skip


def calls(server: RunningServer, canaries: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Make calls of every kind; returns request id -> (event name, error code)."""
    lam, iam, kms = server.client("lambda"), server.client("iam"), server.client("kms")
    made: dict[str, tuple[str, str | None]] = {}
    made[request_id(lam.list_functions())] = ("ListFunctions20150331", None)
    name = f"audited-{uuid.uuid4().hex[:6]}"
    created = lam.create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": make_zip({"app.py": f"X = {canaries['code']!r}\n"})},
        Environment={"Variables": {"SECRET_VALUE": canaries["env"]}},
    )  # fmt: skip
    made[request_id(created)] = ("CreateFunction20150331", None)
    missing = failing(lam.get_function_configuration, FunctionName="no-such-function")
    made[request_id(missing)] = ("GetFunctionConfiguration20150331v2", "ResourceNotFoundException")
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    encrypted = kms.encrypt(KeyId=key_arn, Plaintext=canaries["plaintext"].encode())
    made[request_id(encrypted)] = ("Encrypt", None)
    user = f"audited-{uuid.uuid4().hex[:6]}"
    made[request_id(iam.create_user(UserName=user))] = ("CreateUser", None)
    key = iam.create_access_key(UserName=user)
    made[request_id(key)] = ("CreateAccessKey", None)
    canaries["secret"] = key["AccessKey"]["SecretAccessKey"]
    # The new user has no policy: denied, and recorded under its own identity.
    as_user = server.client(
        "lambda", credentials=(key["AccessKey"]["AccessKeyId"], canaries["secret"])
    )
    denied = failing(as_user.list_functions)
    made[request_id(denied)] = ("ListFunctions20150331", "AccessDeniedException")
    # A key nobody issued: unauthenticated, recorded in the operator's trail.
    stranger = boto3.client(
        "sts", endpoint_url=server.url, region_name=server.region, verify=server.verify,
        aws_access_key_id="AKIAUNKNOWNUNKNOWN12", aws_secret_access_key="x" * 40,
        config=Config(retries={"total_max_attempts": 1}),
    )  # fmt: skip
    unknown = failing(stranger.get_caller_identity)
    made[request_id(unknown)] = ("GetCallerIdentity", "InvalidClientTokenId")
    return made


def test_each_call_is_recorded_once_with_identity_source_and_error_and_no_secret(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    canaries = {kind: f"canary-{kind}-{uuid.uuid4().hex}" for kind in ("env", "code", "plaintext")}
    with running_server(data_dir, "--audit-period", "3600") as server:
        made = calls(server, canaries)
        admin_key = server.credentials()[0]
    found = records(data_dir)  # the clean shutdown delivered the journal
    by_request = {r["requestID"]: r for r in found}
    assert len(by_request) == len(found), "a request id appears twice"
    assert set(made) <= set(by_request)
    for rid, (event_name, error_code) in made.items():
        record = by_request[rid]
        assert record["eventName"] == event_name
        assert record.get("errorCode") == error_code, record
        assert record["sourceIPAddress"] == "127.0.0.1"
        assert record["eventVersion"] == "1.09"
        assert record["eventType"] == "AwsApiCall"
        assert record["recipientAccountId"] == server.account_id
    create = next(r for r in found if r["eventName"] == "CreateFunction20150331")
    assert create["userIdentity"]["type"] == "IAMUser"
    assert create["userIdentity"]["accessKeyId"] == admin_key
    parameters = create["requestParameters"]
    assert parameters["Environment"]["Variables"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert parameters["Code"]["ZipFile"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert parameters["Runtime"] == "python3.11"
    denied = next(r for r in found if r.get("errorCode") == "AccessDeniedException")
    assert denied["userIdentity"]["userName"].startswith("audited-")
    unknown = next(r for r in found if r.get("errorCode") == "InvalidClientTokenId")
    assert unknown["userIdentity"]["type"] == "Unknown"
    for kind, canary in canaries.items():
        for path in (data_dir / "audit").rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                if path.suffix == ".gz":
                    content = gzip.decompress(content)
                assert canary.encode() not in content, f"{kind} canary in {path}"
    done = verify(data_dir, data_dir / "audit" / "digest-public-key.pem")
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data dir whose trail has four deliveries (three server runs, and the export of its
    public key with no server up: an operator command, recorded by a kernel of its own)."""
    data_dir = tmp_path_factory.mktemp("trail") / "data"
    for _ in range(3):
        with running_server(data_dir, "--audit-period", "3600") as server:
            server.client("lambda").list_functions()
            server.client("iam").list_users()
    public_key = data_dir.parent / "public.pem"
    exported = subprocess.run(
        [sys.executable, "-m", "stockade", "audit", "export-public-key", "--data-dir",
         str(data_dir), "--output", str(public_key)],
        capture_output=True, text=True, cwd=REPO, timeout=60, check=True,
    )  # fmt: skip
    assert exported.returncode == 0
    return data_dir, public_key


def tampered(trail: tuple[Path, Path], tmp_path: Path) -> tuple[Path, list[Path], list[Path]]:
    data_dir, _ = trail
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    logs = sorted(p for p in (copy / "audit").rglob("*.json.gz") if "CloudTrail" in p.parts)
    digests = sorted(p for p in (copy / "audit").rglob("*.json.gz")
                     if "CloudTrail-Digest" in p.parts)  # fmt: skip
    return copy, logs, digests


def test_an_untouched_trail_verifies(trail: tuple[Path, Path]) -> None:
    done = verify(trail[0], trail[1])
    assert done.returncode == 0, done.stderr
    assert "4 digest files and 4 log files checked; 0 problems" in done.stdout


def test_an_edited_byte_is_caught(trail: tuple[Path, Path], tmp_path: Path) -> None:
    copy, logs, _ = tampered(trail, tmp_path)
    data = bytearray(logs[1].read_bytes())
    data[len(data) // 2] ^= 0x01
    logs[1].write_bytes(bytes(data))
    done = verify(copy, trail[1])
    assert done.returncode == 1
    assert logs[1].name in done.stderr
    assert "modified" in done.stderr


def test_a_deleted_log_file_is_caught(trail: tuple[Path, Path], tmp_path: Path) -> None:
    copy, logs, _ = tampered(trail, tmp_path)
    logs[0].unlink()
    done = verify(copy, trail[1])
    assert done.returncode == 1
    assert logs[0].name in done.stderr
    assert "missing" in done.stderr


def test_a_deleted_digest_is_caught(trail: tuple[Path, Path], tmp_path: Path) -> None:
    copy, _, digests = tampered(trail, tmp_path)
    digests[1].unlink()
    done = verify(copy, trail[1])
    assert done.returncode == 1
    assert digests[1].name in done.stderr


def test_an_inserted_forged_file_is_caught(trail: tuple[Path, Path], tmp_path: Path) -> None:
    copy, logs, _ = tampered(trail, tmp_path)
    forged = logs[0].with_name(logs[0].name.replace(".json.gz", "f.json.gz"))
    forged.write_bytes(gzip.compress(json.dumps({"Records": []}).encode()))
    done = verify(copy, trail[1])
    assert done.returncode == 1
    assert forged.name in done.stderr
    assert "no digest lists" in done.stderr


def test_swapped_files_are_caught(trail: tuple[Path, Path], tmp_path: Path) -> None:
    copy, logs, _ = tampered(trail, tmp_path)
    first, second = logs[0].read_bytes(), logs[2].read_bytes()
    logs[0].write_bytes(second)
    logs[2].write_bytes(first)
    done = verify(copy, trail[1])
    assert done.returncode == 1
    assert logs[0].name in done.stderr
    assert logs[2].name in done.stderr


def test_a_trail_re_signed_with_another_key_is_caught(
    trail: tuple[Path, Path], tmp_path: Path
) -> None:
    copy, _, digests = tampered(trail, tmp_path)
    signature = digests[0].with_name(digests[0].name + ".sig")
    signature.write_text("00" * 64)
    done = verify(copy, trail[1])
    assert done.returncode == 1
    assert digests[0].name in done.stderr
    assert "signature" in done.stderr
