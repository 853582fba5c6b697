"""Every served Secrets Manager operation through the unmodified AWS CLI (RotateSecret and
CancelRotateSecret aside), with the CLI's own argument forms (shorthand and JSON, `file://`
and `fileb://`, `--query` with `--output text`) and its parsed output; errors as the CLI prints
them (the exit code and botocore's ClientError line on stderr)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.aws_cli import SERVICE_ERROR, cli, cli_fails, cli_text, service_error
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

SM = "secretsmanager"
NOT_FOUND = "Secrets Manager can't find the specified secret."
BLOB = bytes(range(256))  # every byte value, so a text round trip anywhere would show


@dataclass(frozen=True)
class Secrets:
    """Two secrets made once for the module: a string (from a file) and a binary one."""

    server: RunningServer
    prefix: str
    text: str  # name of the string secret
    text_arn: str
    first_version: str
    binary: str
    files: Path


@pytest.fixture(scope="module")
def secrets(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Secrets:
    files = tmp_path_factory.mktemp("secrets-cli")
    prefix = f"cli{uuid.uuid4().hex[:8]}"
    (files / "value.json").write_text('{"user": "app", "password": "first"}')
    (files / "blob.bin").write_bytes(BLOB)
    made = cli(server, SM, "create-secret", "--name", f"{prefix}/text",
               "--secret-string", f"file://{files / 'value.json'}", "--description", "app db",
               "--tags", "Key=team,Value=red", "Key=env,Value=test")  # fmt: skip
    assert made["Name"] == f"{prefix}/text"
    assert made["ARN"].startswith(f"arn:aws:secretsmanager:{server.region}:{server.account_id}:")
    binary = cli(server, SM, "create-secret", "--name", f"{prefix}/binary",
                 "--secret-binary", f"fileb://{files / 'blob.bin'}")  # fmt: skip
    assert binary["Name"] == f"{prefix}/binary"
    return Secrets(server, prefix, made["Name"], made["ARN"], made["VersionId"], binary["Name"],
                   files)  # fmt: skip


def test_string_and_binary_values_read_back_by_stage_and_version(secrets: Secrets) -> None:
    server = secrets.server
    got = cli(server, SM, "get-secret-value", "--secret-id", secrets.text_arn)
    assert json.loads(got["SecretString"]) == {"user": "app", "password": "first"}
    assert (got["Name"], got["VersionId"]) == (secrets.text, secrets.first_version)
    assert got["VersionStages"] == ["AWSCURRENT"]
    assert "SecretBinary" not in got
    # The CLI prints a blob base64-encoded, as AWS returns it.
    blob = cli_text(server, SM, "get-secret-value", "--secret-id", secrets.binary,
                    "--query", "SecretBinary")  # fmt: skip
    assert base64.b64decode(blob) == BLOB
    password = cli_text(server, SM, "get-secret-value", "--secret-id", secrets.text,
                        "--version-id", secrets.first_version, "--version-stage", "AWSCURRENT",
                        "--query", "SecretString")  # fmt: skip
    assert json.loads(password)["password"] == "first"
    # No version carries the stage yet: AWS answers ResourceNotFoundException.
    missing = cli_fails(server, SM, "get-secret-value", "--secret-id", secrets.text,
                        "--version-stage", "AWSPREVIOUS")  # fmt: skip
    assert missing.code == SERVICE_ERROR
    assert "(ResourceNotFoundException)" in missing.stderr


def test_versions_stages_and_idempotent_puts(secrets: Secrets) -> None:
    server, name = secrets.server, f"{secrets.prefix}/staged"
    first = cli(server, SM, "create-secret", "--name", name, "--secret-string", "v1")
    token = str(uuid.uuid4())
    put = cli(server, SM, "put-secret-value", "--secret-id", name, "--secret-string", "v2",
              "--client-request-token", token)  # fmt: skip
    assert (put["VersionId"], put["VersionStages"]) == (token, ["AWSCURRENT"])
    again = cli(server, SM, "put-secret-value", "--secret-id", name, "--secret-string", "v2",
                "--client-request-token", token)  # fmt: skip
    assert again["VersionId"] == token  # same token, same value: the same version
    clash = cli_fails(server, SM, "put-secret-value", "--secret-id", name,
                      "--secret-string", "other", "--client-request-token", token)  # fmt: skip
    assert clash.code == SERVICE_ERROR
    assert "(ResourceExistsException) when calling the PutSecretValue operation" in clash.stderr
    previous = cli_text(server, SM, "get-secret-value", "--secret-id", name,
                        "--version-stage", "AWSPREVIOUS", "--query", "SecretString")  # fmt: skip
    assert previous == "v1"
    listed = cli(server, SM, "list-secret-version-ids", "--secret-id", name)
    assert listed["Name"] == name
    assert {v["VersionId"]: v["VersionStages"] for v in listed["Versions"]} == {
        first["VersionId"]: ["AWSPREVIOUS"], token: ["AWSCURRENT"],
    }  # fmt: skip
    current = cli_text(server, SM, "list-secret-version-ids", "--secret-id", name, "--query",
                       "Versions[?contains(VersionStages, 'AWSCURRENT')].VersionId")  # fmt: skip
    assert current == token
    moved = cli(server, SM, "update-secret-version-stage", "--secret-id", name,
                "--version-stage", "AWSCURRENT", "--move-to-version-id", first["VersionId"],
                "--remove-from-version-id", token)  # fmt: skip
    assert moved["Name"] == name
    assert cli_text(server, SM, "get-secret-value", "--secret-id", name,
                    "--query", "SecretString") == "v1"  # fmt: skip
    # UpdateSecret with a value makes a new AWSCURRENT version; with a description only, none.
    updated = cli(server, SM, "update-secret", "--secret-id", name, "--secret-string", "v3",
                  "--description", "rotated by hand")  # fmt: skip
    assert updated["Name"] == name
    assert "VersionId" in updated
    described = cli(server, SM, "describe-secret", "--secret-id", name)
    assert described["Description"] == "rotated by hand"
    assert described["VersionIdsToStages"][updated["VersionId"]] == ["AWSCURRENT"]
    assert described["VersionIdsToStages"][first["VersionId"]] == ["AWSPREVIOUS"]
    assert set(described["VersionIdsToStages"]) == {updated["VersionId"], first["VersionId"]}
    cli(server, SM, "delete-secret", "--secret-id", name, "--force-delete-without-recovery")


def test_describe_shows_what_was_made(secrets: Secrets) -> None:
    described = cli(secrets.server, SM, "describe-secret", "--secret-id", secrets.text)
    assert (described["ARN"], described["Name"]) == (secrets.text_arn, secrets.text)
    assert described["Description"] == "app db"
    assert sorted((t["Key"], t["Value"]) for t in described["Tags"]) == [
        ("env", "test"), ("team", "red"),
    ]  # fmt: skip
    # The CLI v1 prints timestamps as the wire carries them: epoch seconds for JSON protocols.
    created = datetime.fromtimestamp(described["CreatedDate"], UTC)
    assert timedelta(0) <= datetime.now(UTC) - created < timedelta(hours=1)
    assert "DeletedDate" not in described


def test_batch_get_by_ids_and_by_filters(secrets: Secrets) -> None:
    server = secrets.server
    by_ids = cli(server, SM, "batch-get-secret-value", "--secret-id-list", secrets.text,
                 secrets.binary)  # fmt: skip
    assert by_ids["Errors"] == []
    values = {v["Name"]: v for v in by_ids["SecretValues"]}
    assert set(values) == {secrets.text, secrets.binary}
    assert base64.b64decode(values[secrets.binary]["SecretBinary"]) == BLOB
    by_filter = cli(server, SM, "batch-get-secret-value",
                    "--filters", f"Key=name,Values={secrets.prefix}/bin")  # fmt: skip
    assert [v["Name"] for v in by_filter["SecretValues"]] == [secrets.binary]
    # An id that does not exist is reported per secret, not as a failed call.
    partly = cli(server, SM, "batch-get-secret-value", "--secret-id-list", secrets.text,
                 f"{secrets.prefix}/nothing")  # fmt: skip
    assert [v["Name"] for v in partly["SecretValues"]] == [secrets.text]
    assert [(e["SecretId"], e["ErrorCode"]) for e in partly["Errors"]] == [
        (f"{secrets.prefix}/nothing", "ResourceNotFoundException"),
    ]  # fmt: skip


def test_list_secrets_with_filters_and_the_clis_own_paging(secrets: Secrets) -> None:
    server, prefix = secrets.server, f"{secrets.prefix}/many"
    names = [f"{prefix}/{i}" for i in range(3)]
    for name in names:
        cli(server, SM, "create-secret", "--name", name, "--secret-string", "x")
    # --page-size 1: one request per secret; the CLI follows NextToken and merges the pages.
    paged = cli(server, SM, "list-secrets", "--filters", f"Key=name,Values={prefix}",
                "--page-size", "1")  # fmt: skip
    assert sorted(s["Name"] for s in paged["SecretList"]) == names
    assert "NextToken" not in paged
    # --max-items: the CLI stops and hands out its own token to resume from.
    head = cli(server, SM, "list-secrets", "--filters", f"Key=name,Values={prefix}",
               "--page-size", "1", "--max-items", "2")  # fmt: skip
    assert len(head["SecretList"]) == 2
    rest = cli(server, SM, "list-secrets", "--filters", f"Key=name,Values={prefix}",
               "--page-size", "1", "--starting-token", head["NextToken"])  # fmt: skip
    assert sorted(s["Name"] for s in head["SecretList"] + rest["SecretList"]) == names
    by_tag = cli_text(server, SM, "list-secrets", "--filters", "Key=tag-value,Values=red",
                      f"Key=name,Values={secrets.prefix}",
                      "--query", "SecretList[].Name")  # fmt: skip
    assert by_tag == secrets.text
    negated = cli(server, SM, "list-secrets", "--filters",
                  json.dumps([{"Key": "name", "Values": [prefix]},
                              {"Key": "name", "Values": [f"!{prefix}/0"]}]))  # fmt: skip
    assert sorted(s["Name"] for s in negated["SecretList"]) == names[1:]
    bad = cli_fails(server, SM, "list-secrets", "--filters", "Key=name,Values=x",
                    "--next-token", "not-a-token")  # fmt: skip
    assert bad.code == SERVICE_ERROR
    assert "(InvalidNextTokenException) when calling the ListSecrets operation" in bad.stderr
    for name in names:
        cli(server, SM, "delete-secret", "--secret-id", name, "--force-delete-without-recovery")


def test_delete_within_a_window_restore_and_force(secrets: Secrets) -> None:
    server, name = secrets.server, f"{secrets.prefix}/doomed"
    cli(server, SM, "create-secret", "--name", name, "--secret-string", "keep me")
    before = datetime.now(UTC)
    deleted = cli(server, SM, "delete-secret", "--secret-id", name,
                  "--recovery-window-in-days", "7")  # fmt: skip
    when = datetime.fromtimestamp(deleted["DeletionDate"], UTC)
    assert abs(when - (before + timedelta(days=7))) < timedelta(minutes=1)
    refused = cli_fails(server, SM, "get-secret-value", "--secret-id", name)
    marked = "You can't perform this operation on the secret because it was marked for deletion."
    assert (refused.code, refused.stderr) == (
        SERVICE_ERROR, service_error("GetSecretValue", "InvalidRequestException", marked)
    )  # fmt: skip
    hidden = cli(server, SM, "list-secrets", "--filters", f"Key=name,Values={name}")
    assert hidden["SecretList"] == []
    shown = cli(server, SM, "list-secrets", "--filters", f"Key=name,Values={name}",
                "--include-planned-deletion")  # fmt: skip
    assert [s["Name"] for s in shown["SecretList"]] == [name]
    assert "DeletedDate" in shown["SecretList"][0]
    restored = cli(server, SM, "restore-secret", "--secret-id", name)
    assert restored["Name"] == name
    assert cli_text(server, SM, "get-secret-value", "--secret-id", name,
                    "--query", "SecretString") == "keep me"  # fmt: skip
    short = cli_fails(server, SM, "delete-secret", "--secret-id", name,
                      "--recovery-window-in-days", "3")  # fmt: skip
    assert (short.code, short.stderr) == (SERVICE_ERROR, service_error(
        "DeleteSecret", "InvalidParameterException",
        "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."))  # fmt: skip
    forced = cli(server, SM, "delete-secret", "--secret-id", name,
                 "--force-delete-without-recovery")  # fmt: skip
    assert forced["Name"] == name
    gone = cli_fails(server, SM, "describe-secret", "--secret-id", name)
    assert (gone.code, gone.stderr) == (
        SERVICE_ERROR,
        service_error("DescribeSecret", "ResourceNotFoundException", NOT_FOUND),
    )


def test_tag_and_untag(secrets: Secrets) -> None:
    server, name = secrets.server, f"{secrets.prefix}/tagged"
    cli(server, SM, "create-secret", "--name", name, "--secret-string", "t")
    # The JSON form of --tags, then the shorthand form of --tag-keys.
    both = json.dumps([{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    assert cli(server, SM, "tag-resource", "--secret-id", name, "--tags", both) is None
    assert cli(server, SM, "untag-resource", "--secret-id", name, "--tag-keys", "a") is None
    tags = cli(server, SM, "describe-secret", "--secret-id", name, "--query", "Tags")
    assert tags == [{"Key": "b", "Value": "2"}]
    found = cli_text(server, SM, "list-secrets", "--filters", "Key=tag-key,Values=b",
                     f"Key=name,Values={name}", "--query", "SecretList[].Name")  # fmt: skip
    assert found == name
    cli(server, SM, "delete-secret", "--secret-id", name, "--force-delete-without-recovery")


def _policy(principal: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": principal},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})  # fmt: skip


def test_resource_policies(secrets: Secrets) -> None:
    server, files = secrets.server, secrets.files
    account = f"arn:aws:iam::{server.account_id}:root"
    (files / "policy.json").write_text(_policy(account))
    (files / "public.json").write_text(_policy("*"))
    checked = cli(server, SM, "validate-resource-policy", "--secret-id", secrets.text,
                  "--resource-policy", f"file://{files / 'policy.json'}")  # fmt: skip
    assert checked == {"PolicyValidationPassed": True, "ValidationErrors": []}
    public = cli(server, SM, "validate-resource-policy",
                 "--resource-policy", f"file://{files / 'public.json'}")  # fmt: skip
    assert public["PolicyValidationPassed"] is False
    assert [e["CheckName"] for e in public["ValidationErrors"]] == ["PUBLIC_ACCESS_CHECK"]
    refused = cli_fails(server, SM, "put-resource-policy", "--secret-id", secrets.text,
                        "--resource-policy", f"file://{files / 'public.json'}",
                        "--block-public-policy")  # fmt: skip
    assert refused.code == SERVICE_ERROR
    assert "(PublicPolicyException) when calling the PutResourcePolicy operation" in (
        refused.stderr
    )
    assert cli(server, SM, "get-resource-policy", "--secret-id", secrets.text) == {
        "ARN": secrets.text_arn, "Name": secrets.text,
    }  # fmt: skip
    put = cli(server, SM, "put-resource-policy", "--secret-id", secrets.text,
              "--resource-policy", f"file://{files / 'policy.json'}",
              "--block-public-policy")  # fmt: skip
    assert put == {"ARN": secrets.text_arn, "Name": secrets.text}
    stored = cli_text(server, SM, "get-resource-policy", "--secret-id", secrets.text,
                      "--query", "ResourcePolicy")  # fmt: skip
    assert json.loads(stored) == json.loads(_policy(account))
    assert cli(server, SM, "delete-resource-policy", "--secret-id", secrets.text) == {
        "ARN": secrets.text_arn, "Name": secrets.text,
    }  # fmt: skip
    assert "ResourcePolicy" not in cli(server, SM, "get-resource-policy",
                                       "--secret-id", secrets.text)  # fmt: skip


def test_random_passwords(secrets: Secrets) -> None:
    server = secrets.server
    password = cli_text(server, SM, "get-random-password", "--password-length", "40",
                        "--exclude-characters", "abcdefABCDEF0123", "--require-each-included-type",
                        "--query", "RandomPassword")  # fmt: skip
    assert len(password) == 40
    assert not set(password) & set("abcdefABCDEF0123")
    kinds = (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    assert all(any(kind(c) for c in password) for kind in kinds)
    digits = cli(server, SM, "get-random-password", "--password-length", "12",
                 "--exclude-lowercase", "--exclude-uppercase", "--exclude-punctuation")  # fmt: skip
    assert len(digits["RandomPassword"]) == 12
    assert digits["RandomPassword"].isdigit()
    bad = cli_fails(server, SM, "get-random-password", "--password-length", "5000")
    # AWS's generic constraint error (the model caps PasswordLength at 4096).
    assert (bad.code, bad.stderr) == (SERVICE_ERROR, service_error(
        "GetRandomPassword", "ValidationException", "1 validation error detected: Value '5000'"
        " at 'passwordLength' failed to satisfy constraint: Member must have value less than"
        " or equal to 4096"))  # fmt: skip
