"""A signature past its profile's validity period is refused at deployment.

Signer's shortest validity is one day, so the signature is made by the same server and data dir
running with its clock three days behind (libfaketime, for the server process and the signing
CLI only), then checked by the server on the real clock: real keys, a real signed package, a
real expiry."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import make_zip
from tests.support.server import REPO, RunningServer, start_server

pytestmark = pytest.mark.integration

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
THREE_DAYS_AGO = {
    "LD_PRELOAD": str(LIBFAKETIME),
    "FAKETIME": "-3d",
    "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # timeouts and sleeps keep real time
}


def in_the_past(server: RunningServer, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], env=server.cli_env() | THREE_DAYS_AGO,
        capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
    )  # fmt: skip


def test_a_signature_past_its_validity_period_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # No function network: the network tools' bounded waits do not work under a faked clock.
    past = start_server(data_dir, None, "--function-network", "none", env_extra=THREE_DAYS_AGO)
    try:
        created = in_the_past(
            past, "awscli", "signer", "put-signing-profile", "--profile-name", "short",
            "--platform-id", "AWSLambda-SHA384-ECDSA",
            "--signature-validity-period", "value=1,type=DAYS", "--output", "json",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        version_arn = json.loads(created.stdout)["profileVersionArn"]
        package = tmp_path / "app.zip"
        package.write_bytes(make_zip({"app.py": "def handler(e, c):\n    return 1\n"}))
        signed = tmp_path / "signed.zip"
        done = in_the_past(past, "stockade", "sign", str(package), "--profile", "short",
                           "--output", str(signed), "--data-dir", str(data_dir))  # fmt: skip
        assert done.returncode == 0, done.stderr
    finally:
        assert past.stop() == 0

    server = start_server(data_dir)
    try:
        lam = server.client("lambda")
        config = lam.create_code_signing_config(
            AllowedPublishers={"SigningProfileVersionArns": [version_arn]},
            CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"},
        )["CodeSigningConfig"]["CodeSigningConfigArn"]
        with pytest.raises(ClientError) as exc:
            lam.create_function(
                FunctionName=f"expired-{uuid.uuid4().hex[:6]}", Runtime="python3.11",
                Handler="app.handler", CodeSigningConfigArn=config,
                Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                Code={"ZipFile": signed.read_bytes()},
            )  # fmt: skip
        error = exc.value.response["Error"]
        assert error["Code"] == "CodeVerificationFailedException"
        assert "expired" in error["Message"]
        # The same package with a fresh signature from the same profile deploys.
        resigned = tmp_path / "resigned.zip"
        again = subprocess.run(
            [sys.executable, "-m", "stockade", "sign", str(package), "--profile", "short",
             "--output", str(resigned), "--data-dir", str(data_dir)],
            env=server.cli_env(), capture_output=True, text=True, timeout=120, check=False,
            cwd=REPO,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        deployed = lam.create_function(
            FunctionName=f"fresh-{uuid.uuid4().hex[:6]}", Runtime="python3.11",
            Handler="app.handler", CodeSigningConfigArn=config,
            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
            Code={"ZipFile": resigned.read_bytes()},
        )  # fmt: skip
        assert deployed["SigningProfileVersionArn"] == version_arn
    finally:
        server.stop()
