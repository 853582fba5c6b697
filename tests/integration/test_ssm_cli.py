"""Every served Parameter Store operation through the unmodified AWS CLI, with the CLI's own
argument forms (shorthand and JSON, `file://`, `--query` with `--output text`) and its parsed
output; errors as the CLI prints them (the exit code and botocore's ClientError line)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.aws_cli import SERVICE_ERROR, cli, cli_fails, cli_text, service_error
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

ADVANCED_VALUE = "x" * 5000  # over Standard's 4 KB, within Advanced's 8 KB (docs/limits.md)


@dataclass(frozen=True)
class Parameters:
    """A small hierarchy made once for the module through the CLI."""

    server: RunningServer
    base: str
    key_arn: str
    files: Path

    @property
    def host(self) -> str:
        return f"{self.base}/app/host"

    @property
    def zones(self) -> str:
        return f"{self.base}/app/zones"

    @property
    def password(self) -> str:
        return f"{self.base}/app/db/password"

    @property
    def top(self) -> str:
        return f"{self.base}/top"


@pytest.fixture(scope="module")
def params(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Parameters:
    files = tmp_path_factory.mktemp("ssm-cli")
    (files / "password.txt").write_text("s3cret-from-a-file")
    key = server.client("kms").create_key()["KeyMetadata"]["Arn"]
    made = Parameters(server, f"/cli{uuid.uuid4().hex[:8]}", key, files)
    put = cli(server, "ssm", "put-parameter", "--name", made.host, "--value", "db-1.local",
              "--type", "String", "--description", "database host",
              "--tags", "Key=team,Value=data", "Key=env,Value=test")  # fmt: skip
    assert put == {"Version": 1, "Tier": "Standard"}
    cli(server, "ssm", "put-parameter", "--name", made.zones, "--value", "a,b,c",
        "--type", "StringList")  # fmt: skip
    cli(server, "ssm", "put-parameter", "--name", made.password, "--type", "SecureString",
        "--value", f"file://{files / 'password.txt'}", "--key-id", key)  # fmt: skip
    # The JSON form of a whole request.
    cli(server, "ssm", "put-parameter", "--cli-input-json", json.dumps(
        {"Name": made.top, "Value": "top", "Type": "String", "DataType": "text"}))  # fmt: skip
    return made


def test_get_parameter_types_and_decryption(params: Parameters) -> None:
    server = params.server
    zones = cli(server, "ssm", "get-parameter", "--name", params.zones)["Parameter"]
    assert (zones["Name"], zones["Type"], zones["Value"], zones["Version"]) == (
        params.zones, "StringList", "a,b,c", 1,
    )  # fmt: skip
    assert zones["ARN"] == (
        f"arn:aws:ssm:{server.region}:{server.account_id}:parameter{params.zones}"
    )
    assert zones["DataType"] == "text"
    # The CLI v1 prints timestamps as the wire carries them: epoch seconds for JSON protocols.
    modified = datetime.fromtimestamp(zones["LastModifiedDate"], UTC)
    assert timedelta(0) <= datetime.now(UTC) - modified < timedelta(hours=1)
    hidden = cli_text(server, "ssm", "get-parameter", "--name", params.password,
                      "--query", "Parameter.Value")  # fmt: skip
    assert hidden
    assert "s3cret" not in hidden  # without --with-decryption: the ciphertext
    plain = cli_text(server, "ssm", "get-parameter", "--name", params.password,
                     "--with-decryption", "--query", "Parameter.Value")  # fmt: skip
    assert plain == "s3cret-from-a-file"
    missing = cli_fails(server, "ssm", "get-parameter", "--name", f"{params.base}/nothing")
    # The code and the line's form only: AWS's own message for a missing name is not pinned
    # here (tracebacks from AWS show it empty for GetParameter and DeleteParameter).
    assert missing.code == SERVICE_ERROR
    assert missing.stderr.startswith(service_error("GetParameter", "ParameterNotFound", ""))


def test_get_parameters_some_missing(params: Parameters) -> None:
    got = cli(params.server, "ssm", "get-parameters", "--names", params.host, params.password,
              f"{params.base}/nothing", "--with-decryption")  # fmt: skip
    assert {p["Name"]: p["Value"] for p in got["Parameters"]} == {
        params.host: "db-1.local", params.password: "s3cret-from-a-file",
    }  # fmt: skip
    assert got["InvalidParameters"] == [f"{params.base}/nothing"]
    names = cli_text(params.server, "ssm", "get-parameters", "--names", params.zones, params.top,
                     "--query", "sort(Parameters[].Name)")  # fmt: skip
    assert names.split("\t") == sorted([params.zones, params.top])


def test_overwrite_patterns_and_tiers(params: Parameters) -> None:
    server, name = params.server, f"{params.base}/put/port"
    cli(server, "ssm", "put-parameter", "--name", name, "--value", "5432", "--type", "String",
        "--allowed-pattern", "^[0-9]+$")  # fmt: skip
    exists = cli_fails(server, "ssm", "put-parameter", "--name", name, "--value", "5433")
    assert (exists.code, exists.stderr) == (SERVICE_ERROR, service_error(
        "PutParameter", "ParameterAlreadyExists", "The parameter already exists. To overwrite"
        " this value, set the overwrite option in the request to true."))  # fmt: skip
    assert cli(server, "ssm", "put-parameter", "--name", name, "--value", "5433",
               "--overwrite") == {"Version": 2, "Tier": "Standard"}  # fmt: skip
    # The pattern stays with later versions that do not name a new one.
    mismatch = cli_fails(server, "ssm", "put-parameter", "--name", name, "--value", "port",
                         "--overwrite")  # fmt: skip
    assert (mismatch.code, mismatch.stderr) == (SERVICE_ERROR, service_error(
        "PutParameter", "ParameterPatternMismatchException",
        "Parameter value, cannot be validated against allowedPattern: ^[0-9]+$"))  # fmt: skip
    big = f"{params.base}/put/big"
    (params.files / "big.txt").write_text(ADVANCED_VALUE)
    standard = cli_fails(server, "ssm", "put-parameter", "--name", big, "--type", "String",
                         "--value", f"file://{params.files / 'big.txt'}")  # fmt: skip
    assert standard.code == SERVICE_ERROR
    too_big = "Standard tier parameters support a maximum parameter value of 4096 characters."
    assert standard.stderr.startswith(service_error("PutParameter", "ValidationException", too_big))
    advanced = cli(server, "ssm", "put-parameter", "--name", big, "--type", "String",
                   "--value", f"file://{params.files / 'big.txt'}",
                   "--tier", "Advanced")  # fmt: skip
    assert advanced == {"Version": 1, "Tier": "Advanced"}
    value = cli_text(server, "ssm", "get-parameter", "--name", big, "--query", "Parameter.Value")
    assert value == ADVANCED_VALUE
    tiers = cli(server, "ssm", "describe-parameters", "--parameter-filters",
                f"Key=Path,Option=OneLevel,Values={params.base}/put")  # fmt: skip
    assert {p["Name"]: (p["Tier"], p.get("AllowedPattern")) for p in tiers["Parameters"]} == {
        name: ("Standard", "^[0-9]+$"), big: ("Advanced", None),
    }  # fmt: skip


def test_labels_selectors_and_history(params: Parameters) -> None:
    server, name = params.server, f"{params.base}/labelled"
    for value in ("v1", "v2", "v3"):
        cli(server, "ssm", "put-parameter", "--name", name, "--value", value, "--type", "String",
            "--overwrite")  # fmt: skip
    labelled = cli(server, "ssm", "label-parameter-version", "--name", name,
                   "--parameter-version", "1", "--labels", "first", "1bad", "stable")  # fmt: skip
    assert labelled == {"InvalidLabels": ["1bad"], "ParameterVersion": 1}
    latest = cli(server, "ssm", "label-parameter-version", "--name", name, "--labels", "latest")
    assert latest == {"InvalidLabels": [], "ParameterVersion": 3}
    by_label = cli(server, "ssm", "get-parameter", "--name", f"{name}:first")["Parameter"]
    assert (by_label["Value"], by_label["Version"], by_label["Selector"]) == ("v1", 1, ":first")
    by_version = cli(server, "ssm", "get-parameter", "--name", f"{name}:2")["Parameter"]
    assert (by_version["Value"], by_version["Selector"]) == ("v2", ":2")
    no_version = cli_fails(server, "ssm", "get-parameter", "--name", f"{name}:9")
    assert no_version.code == SERVICE_ERROR
    assert "(ParameterVersionNotFound) when calling the GetParameter operation" in (
        no_version.stderr
    )
    history = cli(server, "ssm", "get-parameter-history", "--name", name)["Parameters"]
    assert [(p["Version"], p["Value"], p["Labels"]) for p in history] == [
        (1, "v1", ["first", "stable"]), (2, "v2", []), (3, "v3", ["latest"]),
    ]  # fmt: skip
    versions = cli_text(server, "ssm", "get-parameter-history", "--name", name,
                        "--query", "Parameters[].Version")  # fmt: skip
    assert versions.split("\t") == ["1", "2", "3"]
    removed = cli(server, "ssm", "unlabel-parameter-version", "--name", name,
                  "--parameter-version", "1", "--labels", "stable", "elsewhere")  # fmt: skip
    assert removed == {"RemovedLabels": ["stable"], "InvalidLabels": ["elsewhere"]}
    # Ten labels on a version at most (AWS's ParameterVersionLabelLimitExceeded).
    nine = [f"l{i}" for i in range(9)]
    cli(server, "ssm", "label-parameter-version", "--name", name, "--parameter-version", "2",
        "--labels", *nine, "tenth")  # fmt: skip
    over = cli_fails(server, "ssm", "label-parameter-version", "--name", name,
                     "--parameter-version", "2", "--labels", "eleventh")  # fmt: skip
    assert (over.code, over.stderr) == (SERVICE_ERROR, service_error(
        "LabelParameterVersion", "ParameterVersionLabelLimitExceeded",
        "A parameter version can have maximum 10 labels.Move one or more labels to another"
        " version and try again."))  # fmt: skip


def test_by_path_recursive_filtered_and_paged(params: Parameters) -> None:
    server, base = params.server, params.base
    one_level = cli(server, "ssm", "get-parameters-by-path", "--path", f"{base}/app")
    assert sorted(p["Name"] for p in one_level["Parameters"]) == [params.host, params.zones]
    # --page-size 1: one request per parameter; the CLI follows NextToken and merges the pages.
    every = cli(server, "ssm", "get-parameters-by-path", "--path", f"{base}/app", "--recursive",
                "--with-decryption", "--page-size", "1")  # fmt: skip
    assert {p["Name"]: p["Value"] for p in every["Parameters"]} == {
        params.host: "db-1.local", params.zones: "a,b,c", params.password: "s3cret-from-a-file",
    }  # fmt: skip
    assert "NextToken" not in every
    secure = cli_text(server, "ssm", "get-parameters-by-path", "--path", base, "--recursive",
                      "--parameter-filters", "Key=Type,Values=SecureString",
                      "--query", "Parameters[].Name")  # fmt: skip
    assert secure == params.password
    tagged = cli(server, "ssm", "get-parameters-by-path", "--path", base, "--recursive",
                 "--parameter-filters", "Key=tag:team,Values=data")  # fmt: skip
    assert [p["Name"] for p in tagged["Parameters"]] == [params.host]
    bad = cli_fails(server, "ssm", "get-parameters-by-path", "--path", base,
                    "--parameter-filters", "Key=Name,Values=x")  # fmt: skip
    assert bad.code == SERVICE_ERROR
    assert "(InvalidFilterKey) when calling the GetParametersByPath operation" in bad.stderr


def test_describe_parameters_filters_and_paging(params: Parameters) -> None:
    server, app = params.server, f"{params.base}/app"
    begins = cli(server, "ssm", "describe-parameters", "--parameter-filters",
                 f"Key=Name,Option=BeginsWith,Values={app}/")  # fmt: skip
    described = {p["Name"]: p for p in begins["Parameters"]}
    assert set(described) == {params.host, params.zones, params.password}
    assert all("Value" not in p for p in described.values())
    assert described[params.host]["Description"] == "database host"
    assert described[params.password]["KeyId"] == params.key_arn
    json_form = json.dumps([{"Key": "Path", "Option": "Recursive", "Values": [params.base]},
                            {"Key": "Type", "Values": ["StringList"]}])  # fmt: skip
    lists = cli_text(server, "ssm", "describe-parameters", "--parameter-filters", json_form,
                     "--query", "Parameters[].Name")  # fmt: skip
    assert lists == params.zones
    older = cli_text(server, "ssm", "describe-parameters", "--filters",
                     f"Key=Name,Values={params.top}", "--query", "Parameters[].Name")  # fmt: skip
    assert older == params.top
    head = cli(server, "ssm", "describe-parameters", "--parameter-filters",
               f"Key=Path,Option=Recursive,Values={app}", "--page-size", "1",
               "--max-items", "2")  # fmt: skip
    assert len(head["Parameters"]) == 2
    rest = cli(server, "ssm", "describe-parameters", "--parameter-filters",
               f"Key=Path,Option=Recursive,Values={app}", "--page-size", "1",
               "--starting-token", head["NextToken"])  # fmt: skip
    assert {p["Name"] for p in head["Parameters"] + rest["Parameters"]} == set(described)
    bad = cli_fails(server, "ssm", "describe-parameters", "--parameter-filters",
                    f"Key=Path,Option=Deep,Values={app}")  # fmt: skip
    assert (bad.code, bad.stderr) == (SERVICE_ERROR, service_error(
        "DescribeParameters", "InvalidFilterOption", "The following filter option is not"
        " valid: Deep. Valid options include: [Recursive, OneLevel]."))  # fmt: skip


def test_tags(params: Parameters) -> None:
    server, where = params.server, ("--resource-type", "Parameter", "--resource-id")
    assert cli(server, "ssm", "list-tags-for-resource", *where, params.host) == {
        "TagList": [{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "data"}],
    }  # fmt: skip
    both = json.dumps([{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    added = cli(server, "ssm", "add-tags-to-resource", *where, params.zones, "--tags", both)
    assert added is None  # an empty answer: the CLI prints nothing
    removed = cli(server, "ssm", "remove-tags-from-resource", *where, params.zones,
                  "--tag-keys", "a")  # fmt: skip
    assert removed is None
    tags = cli_text(server, "ssm", "list-tags-for-resource", *where, params.zones,
                    "--query", "TagList[].[Key,Value]")  # fmt: skip
    assert tags == "b\t2"
    other = cli_fails(server, "ssm", "list-tags-for-resource", "--resource-type", "Document",
                      "--resource-id", "nothing")  # fmt: skip
    assert other.code == SERVICE_ERROR
    assert "(InvalidResourceId) when calling the ListTagsForResource operation" in other.stderr


def test_delete_one_and_many(params: Parameters) -> None:
    server, base = params.server, f"{params.base}/gone"
    for i in range(3):
        cli(server, "ssm", "put-parameter", "--name", f"{base}/{i}", "--value", "v",
            "--type", "String")  # fmt: skip
    assert cli(server, "ssm", "delete-parameter", "--name", f"{base}/0") is None
    again = cli_fails(server, "ssm", "delete-parameter", "--name", f"{base}/0")
    assert again.code == SERVICE_ERROR
    assert again.stderr.startswith(service_error("DeleteParameter", "ParameterNotFound", ""))
    many = cli(server, "ssm", "delete-parameters", "--names", f"{base}/1", f"{base}/2",
               f"{base}/0")  # fmt: skip
    assert sorted(many["DeletedParameters"]) == [f"{base}/1", f"{base}/2"]
    assert many["InvalidParameters"] == [f"{base}/0"]
    left = cli(server, "ssm", "get-parameters-by-path", "--path", base)
    assert left["Parameters"] == []
