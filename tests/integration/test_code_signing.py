"""Code signing end to end: Signer profiles and jobs through boto3, `stockade sign` / `verify`
/ `signing export-public-key`, and Lambda's code signing configs refusing (Enforce) or warning
about (Warn) untrusted code and layers, each decision in the request's audit record."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import make_zip
from tests.support.server import REPO, RunningServer, running_server

pytestmark = pytest.mark.integration

MANIFEST = "META-INF/stockade-signature.json"


@dataclass
class World:
    """Everything the scenario did, for the tests to check after the server stopped."""

    data_dir: Path
    account_id: str = ""
    outcomes: dict[str, str | None] = field(default_factory=dict)  # case -> error code
    request_ids: dict[str, str] = field(default_factory=dict)  # case -> request id
    facts: dict[str, Any] = field(default_factory=dict)
    cli: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)


def stockade(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        [sys.executable, "-m", "stockade", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
        env=env,
    )


def tampered(signed: bytes) -> bytes:
    """The signed package with its code changed and its manifest kept."""
    source = zipfile.ZipFile(io.BytesIO(signed))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, b"X = 'evil'\n" if info.filename == "app.py" else data)
    return out.getvalue()


def records(data_dir: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted((data_dir / "audit" / "AWSLogs").rglob("*.json.gz")):
        if "CloudTrail-Digest" not in path.parts:
            found.extend(json.loads(gzip.decompress(path.read_bytes()))["Records"])
    return found


class Scenario:
    def __init__(self, server: RunningServer, world: World, tmp: Path) -> None:
        self.server, self.world, self.tmp = server, world, tmp
        self.lam, self.signer = server.client("lambda"), server.client("signer")
        self.role = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"

    def package(self, label: str) -> Path:
        path = self.tmp / f"{label}.zip"
        path.write_bytes(make_zip({"app.py": f"LABEL = {label!r}\n"}))
        return path

    def sign(self, label: str, profile: str) -> bytes:
        out = self.tmp / f"{label}-signed.zip"
        done = stockade(
            "sign",
            str(self.package(label)),
            "--profile",
            profile,
            "--output",
            str(out),
            "--data-dir",
            str(self.world.data_dir),
        )
        assert done.returncode == 0, done.stderr
        self.world.cli[f"sign-{label}"] = done
        return out.read_bytes()

    def deploy(self, case: str, zip_bytes: bytes, config_arn: str, **extra: Any) -> None:
        try:
            reply = self.lam.create_function(
                FunctionName=f"cs-{case}-{uuid.uuid4().hex[:6]}",
                Runtime="python3.11",
                Handler="app.handler",
                Role=self.role,
                Code={"ZipFile": zip_bytes},
                CodeSigningConfigArn=config_arn,
                **extra,
            )
            self.world.outcomes[case] = None
            self.world.request_ids[case] = reply["ResponseMetadata"]["RequestId"]
            self.world.facts[case] = reply
        except ClientError as exc:
            self.world.outcomes[case] = exc.response["Error"]["Code"]
            self.world.request_ids[case] = exc.response["ResponseMetadata"]["RequestId"]
            self.world.facts[case] = exc.response

    def run(self) -> None:
        world, signer, lam = self.world, self.signer, self.lam
        versions = {}
        for name in ("trusted", "other", "doomed"):
            reply = signer.put_signing_profile(
                profileName=name, platformId="AWSLambda-SHA384-ECDSA"
            )
            versions[name] = reply["profileVersionArn"]
        world.facts["versions"] = versions
        good = self.sign("good", "trusted")
        by_other = self.sign("other", "other")
        revoked = self.sign("revoked", "trusted")
        doomed = self.sign("doomed", "doomed")
        layer_zip = self.sign("layer", "trusted")
        unsigned = self.package("unsigned").read_bytes()
        modified = tampered(self.sign("modified", "trusted"))
        job_id = json.loads(world.cli["sign-revoked"].stdout)["jobArn"].rsplit("/", 1)[1]
        signer.revoke_signature(jobId=job_id, reason="leaked build")
        world.facts["revoked_job"] = signer.describe_signing_job(jobId=job_id)
        # Signatures made after the effective time no longer count (a signature past its
        # validity period is the next file's test).
        signer.revoke_signing_profile(
            profileName="doomed",
            profileVersion=versions["doomed"].rsplit("/", 1)[1],
            reason="key retired",
            effectiveTime=datetime.now(UTC) - timedelta(hours=1),
        )
        world.facts["doomed_profile"] = signer.get_signing_profile(profileName="doomed")
        # Offline verification with the exported public key.
        key = self.tmp / "trusted.pem"
        world.cli["export"] = stockade(
            "signing",
            "export-public-key",
            "--profile",
            "trusted",
            "--output",
            str(key),
            "--data-dir",
            str(world.data_dir),
        )
        other_key = self.tmp / "other.pem"
        stockade(
            "signing",
            "export-public-key",
            "--profile",
            "other",
            "--output",
            str(other_key),
            "--data-dir",
            str(world.data_dir),
        )
        (self.tmp / "modified.zip").write_bytes(modified)
        world.cli["verify-good"] = stockade(
            "verify", str(self.tmp / "good-signed.zip"), "--public-key", str(key)
        )
        world.cli["verify-modified"] = stockade(
            "verify", str(self.tmp / "modified.zip"), "--public-key", str(key)
        )
        world.cli["verify-other-key"] = stockade(
            "verify", str(self.tmp / "good-signed.zip"), "--public-key", str(other_key)
        )
        world.cli["verify-unsigned"] = stockade(
            "verify", str(self.tmp / "unsigned.zip"), "--public-key", str(key)
        )
        layers = {}
        for label, data in (("signed", layer_zip), ("unsigned", unsigned)):
            published = lam.publish_layer_version(
                LayerName=f"cs-layer-{label}", Content={"ZipFile": data}
            )
            layers[label] = published["LayerVersionArn"]
            world.facts[f"layer-{label}"] = published
        allowed = {"SigningProfileVersionArns": [versions["trusted"], versions["doomed"]]}
        configs = {}
        for policy in ("Enforce", "Warn"):
            configs[policy] = lam.create_code_signing_config(
                AllowedPublishers=allowed,
                CodeSigningPolicies={"UntrustedArtifactOnDeployment": policy},
            )["CodeSigningConfig"]["CodeSigningConfigArn"]
        world.facts["configs"] = configs
        cases = {
            "good": good,
            "unsigned": unsigned,
            "other": by_other,
            "revoked": revoked,
            "profile-revoked": doomed,
            "modified": modified,
        }
        for policy, arn in configs.items():
            for case, data in cases.items():
                self.deploy(f"{policy}-{case}", data, arn)
            self.deploy(f"{policy}-unsigned-layer", good, arn, Layers=[layers["unsigned"]])
            self.deploy(f"{policy}-signed-layer", good, arn, Layers=[layers["signed"]])
        name = world.facts["Enforce-good"]["FunctionName"]
        world.facts["get_function"] = lam.get_function(FunctionName=name)
        try:
            lam.update_function_code(FunctionName=name, ZipFile=unsigned)
            world.outcomes["Enforce-update-unsigned"] = None
        except ClientError as exc:
            world.outcomes["Enforce-update-unsigned"] = exc.response["Error"]["Code"]
        world.facts["by_config"] = lam.list_functions_by_code_signing_config(
            CodeSigningConfigArn=configs["Enforce"]
        )["FunctionArns"]
        signer.cancel_signing_profile(profileName="other")
        try:
            signer.sign_payload(
                profileName="other",
                payload=b'{"contentSha384":"' + b"0" * 96 + b'"}',
                payloadFormat="application/vnd.stockade.package-digest.v1+json",
            )
            world.outcomes["sign-canceled"] = None
        except ClientError as exc:
            world.outcomes["sign-canceled"] = exc.response["Error"]["Code"]
        world.facts["listed"] = signer.list_signing_profiles(includeCanceled=True)["profiles"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("code-signing")
    found = World(tmp / "data")
    with running_server(found.data_dir, "--audit-period", "3600") as server:
        found.account_id = server.account_id
        Scenario(server, found, tmp).run()
    found.records = records(found.data_dir)  # delivered by the clean shutdown
    return found


ENFORCED = {
    "good": None,
    "unsigned": "CodeVerificationFailedException",
    "other": "CodeVerificationFailedException",
    "revoked": "CodeVerificationFailedException",
    "profile-revoked": "CodeVerificationFailedException",
    "modified": "InvalidCodeSignatureException",
    "unsigned-layer": "CodeVerificationFailedException",
    "signed-layer": None,
}
# Warn deploys what is untrusted; an integrity failure is refused whatever the policy.
WARNED = {**dict.fromkeys(ENFORCED, None), "modified": "InvalidCodeSignatureException"}


@pytest.mark.parametrize(("case", "error"), ENFORCED.items())
def test_enforce_refuses_untrusted_code_with_lambdas_error(
    world: World, case: str, error: str | None
) -> None:
    assert world.outcomes[f"Enforce-{case}"] == error, world.facts[f"Enforce-{case}"]


@pytest.mark.parametrize(("case", "error"), WARNED.items())
def test_warn_deploys_untrusted_code_but_not_modified_code(
    world: World, case: str, error: str | None
) -> None:
    assert world.outcomes[f"Warn-{case}"] == error, world.facts[f"Warn-{case}"]


def test_update_function_code_is_checked_too(world: World) -> None:
    assert world.outcomes["Enforce-update-unsigned"] == "CodeVerificationFailedException"


def test_get_function_shows_the_signature(world: World) -> None:
    configuration = world.facts["get_function"]["Configuration"]
    assert configuration["SigningProfileVersionArn"] == world.facts["versions"]["trusted"]
    assert configuration["SigningJobArn"].startswith(
        f"arn:aws:signer:us-east-1:{world.account_id}:/signing-jobs/"
    )
    assert any(a.endswith(configuration["FunctionName"]) for a in world.facts["by_config"])


def test_a_signed_layer_shows_its_signature(world: World) -> None:
    content = world.facts["layer-signed"]["Content"]
    assert content["SigningProfileVersionArn"] == world.facts["versions"]["trusted"]
    assert "SigningProfileVersionArn" not in world.facts["layer-unsigned"]["Content"]


def test_revocations_show_in_signer(world: World) -> None:
    assert world.facts["revoked_job"]["revocationRecord"]["reason"] == "leaked build"
    doomed = world.facts["doomed_profile"]
    assert doomed["status"] == "Revoked"
    assert "revocationEffectiveFrom" in doomed["revocationRecord"]
    listed = {p["profileName"]: p["status"] for p in world.facts["listed"]}
    assert listed == {"trusted": "Active", "other": "Canceled", "doomed": "Revoked"}
    assert world.outcomes["sign-canceled"] == "ValidationException"


def test_offline_verification_from_the_cli(world: World) -> None:
    assert world.cli["export"].returncode == 0, world.cli["export"].stderr
    assert world.cli["verify-good"].returncode == 0, world.cli["verify-good"].stderr
    assert json.loads(world.cli["verify-good"].stdout)["valid"] is True
    for case in ("verify-modified", "verify-other-key", "verify-unsigned"):
        assert world.cli[case].returncode == 1, case
        assert world.cli[case].stderr.startswith("INVALID"), case


def test_every_decision_is_in_the_audit_record(world: World) -> None:
    by_request = {r["requestID"]: r for r in world.records}
    for case, rid in world.request_ids.items():
        decision = by_request[rid]["additionalEventData"]["codeSigning"]
        policy, _, kind = case.partition("-")
        error = (ENFORCED if policy == "Enforce" else WARNED)[kind]
        if error is not None:
            assert decision["decision"] == "Blocked", case
        elif kind in ("good", "signed-layer"):
            assert decision["decision"] == "Deployed", case
            assert decision["warnings"] == [], case
        else:
            assert decision["decision"] == "DeployedWithWarnings", case
            assert decision["warnings"], case
    calls = [r for r in world.records if r["eventName"] == "SignPayload"]
    assert [r.get("errorCode") for r in calls].count("ValidationException") == 1  # canceled
    signed = [r for r in calls if "errorCode" not in r]
    assert len(signed) == 6
    assert all(r["eventSource"] == "signer.amazonaws.com" for r in signed)
    assert all(r["additionalEventData"]["signing"]["decision"] == "Signed" for r in signed)
    assert "PutSigningProfile" in {r["eventName"] for r in world.records}
