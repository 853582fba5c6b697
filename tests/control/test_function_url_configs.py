"""Create/Get/Update/Delete/ListFunctionUrlConfigs in-process, through boto3, on a fake clock.

AWS's answers come from LocalStack's test_lambda_api snapshots (recorded against AWS):
test_url_config_lifecycle, test_url_config_list_paging, test_url_config_exceptions. Bounds
on Cors, AuthType and InvokeMode are botocore's lambda model (Cors, MaxAge, AllowMethodsList,
Method, FunctionUrlAuthType, InvokeMode, FunctionUrlQualifier).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.clock import FakeClock
from stockade.domain.arn import function_arn
from stockade.sandbox.backends.fake import FakeBackend, FakeContext
from tests.support.inprocess import REGION, InProcessServer
from tests.support.packages import PYTHON_ECHO

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
# The server's URL listener by path prefix (no --function-url-domain): its address, the id.
URL = re.compile(r"https://127\.0\.0\.1:9001/[a-z0-9]{32}/")
QUALIFIER_PATTERN = r"((?!^\d+$)^[0-9a-zA-Z-_]+$)"
NO_FUNCTION = "Function does not exist"
NO_RESOURCE = "The resource you requested does not exist."


async def echo(event: bytes, context: FakeContext) -> bytes:
    return event


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def server(tmp_path: Path, clock: FakeClock) -> Iterator[InProcessServer]:
    backend = FakeBackend({"app.handler": echo})
    with InProcessServer(tmp_path / "data", clock=clock, sandbox=backend) as running:
        yield running


def lam(server: InProcessServer) -> Any:
    # Unvalidated, so the server's own validation answers (botocore checks no enums or maxima).
    return server.client("lambda", validate=False)


def create(server: InProcessServer, *, alias: str | None = None) -> str:
    name = f"u-{uuid.uuid4().hex[:8]}"
    client = lam(server)
    client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": PYTHON_ECHO},
    )
    if alias is not None:
        version = client.publish_version(FunctionName=name)["Version"]
        client.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
    return name


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = exc.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"]["Message"])  # fmt: skip


def public(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def test_lifecycle_answers_as_aws_recorded(server: InProcessServer, clock: FakeClock) -> None:
    client, name = lam(server), create(server)
    arn = function_arn(REGION, server.account_id, name)

    created = client.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    # Recorded url_creation: no LastModifiedTime, no InvokeMode unless asked.
    assert set(public(created)) == {"FunctionUrl", "FunctionArn", "AuthType", "CreationTime"}
    assert created["FunctionArn"] == arn
    assert created["AuthType"] == "NONE"
    assert URL.fullmatch(created["FunctionUrl"]), created["FunctionUrl"]
    assert created["CreationTime"] == "2026-03-01T12:00:00.000000Z"  # AWS: ...18.244654Z

    with pytest.raises(ClientError) as conflict:
        client.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert error(conflict) == (
        409,
        "ResourceConflictException",
        f"Failed to create function url config for [functionArn = {arn}]."
        " Error message:  FunctionUrlConfig exists for this Lambda function",
    )

    got = client.get_function_url_config(FunctionName=name)
    assert public(got) == {
        "FunctionUrl": created["FunctionUrl"], "FunctionArn": arn, "AuthType": "NONE",
        "CreationTime": created["CreationTime"], "LastModifiedTime": created["CreationTime"],
        "InvokeMode": "BUFFERED",
    }  # fmt: skip

    clock.advance(300)
    updated = client.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 200
    # Recorded updated_url_config: LastModifiedTime, and no InvokeMode unless asked.
    assert set(public(updated)) == {"FunctionUrl", "FunctionArn", "AuthType", "CreationTime",
                                    "LastModifiedTime"}  # fmt: skip
    assert updated["AuthType"] == "AWS_IAM"
    assert updated["FunctionUrl"] == created["FunctionUrl"]  # a URL never changes
    assert updated["LastModifiedTime"] == "2026-03-01T12:05:00.000000Z"
    assert updated["CreationTime"] == created["CreationTime"]

    deleted = client.delete_function_url_config(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as gone:
        client.get_function_url_config(FunctionName=name)
    assert error(gone) == (404, "ResourceNotFoundException", NO_RESOURCE)

    again = client.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert again["FunctionUrl"] != created["FunctionUrl"]  # a new URL, as AWS documents


def test_aliases_have_their_own_urls_and_list_pages(server: InProcessServer) -> None:
    client, name = lam(server), create(server, alias="live")
    assert public(client.list_function_url_configs(FunctionName=name)) == {"FunctionUrlConfigs": []}
    own = client.create_function_url_config(FunctionName=name, AuthType="NONE")
    aliased = client.create_function_url_config(FunctionName=name, Qualifier="live",
                                                AuthType="AWS_IAM")  # fmt: skip
    assert aliased["FunctionArn"] == function_arn(REGION, server.account_id, name, "live")
    assert aliased["FunctionUrl"] != own["FunctionUrl"]
    by_arn = client.get_function_url_config(FunctionName=f"{name}:live")
    assert by_arn["FunctionUrl"] == aliased["FunctionUrl"]
    assert by_arn["AuthType"] == "AWS_IAM"

    listed = client.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert sorted(c["FunctionUrl"] for c in listed) == sorted(
        [own["FunctionUrl"], aliased["FunctionUrl"]]
    )
    assert all(set(c) >= {"LastModifiedTime", "InvokeMode"} for c in listed)

    first = client.list_function_url_configs(FunctionName=name, MaxItems=1)
    assert len(first["FunctionUrlConfigs"]) == 1
    assert "NextMarker" in first
    second = client.list_function_url_configs(FunctionName=name, MaxItems=1,
                                              Marker=first["NextMarker"])  # fmt: skip
    assert len(second["FunctionUrlConfigs"]) == 1
    assert "NextMarker" not in second
    assert (
        second["FunctionUrlConfigs"][0]["FunctionUrl"]
        != (first["FunctionUrlConfigs"][0]["FunctionUrl"])
    )

    # Deleting the function's own URL leaves the alias's (recorded:
    # test_url_config_deletion_without_qualifier); deleting the alias takes its URL along.
    client.delete_function_url_config(FunctionName=name)
    assert client.get_function_url_config(FunctionName=name, Qualifier="live")["FunctionArn"]
    client.delete_alias(FunctionName=name, Name="live")
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    with pytest.raises(ClientError) as gone:
        client.get_function_url_config(FunctionName=name, Qualifier="live")
    assert error(gone) == (404, "ResourceNotFoundException", NO_RESOURCE)


@pytest.mark.parametrize("qualifier", ["1", "2", "$LATEST"])
@pytest.mark.parametrize("operation", ["create", "get", "update", "delete"])
def test_versions_and_latest_have_no_urls(
    server: InProcessServer, operation: str, qualifier: str
) -> None:
    client, name = lam(server), create(server, alias="live")
    call = getattr(client, f"{operation}_function_url_config")
    extra = {"AuthType": "NONE"} if operation in ("create", "update") else {}
    with pytest.raises(ClientError) as refused:
        call(FunctionName=name, Qualifier=qualifier, **extra)
    assert error(refused) == (400, "ValidationException",
                              f"1 validation error detected: Value '{qualifier}' at 'qualifier'"
                              " failed to satisfy constraint: Member must satisfy regular"
                              f" expression pattern: {QUALIFIER_PATTERN}")  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "message"),
    [("create", NO_FUNCTION), ("update", NO_FUNCTION), ("get", NO_RESOURCE),
     ("delete", NO_RESOURCE)],
)  # fmt: skip
def test_missing_functions_and_aliases_are_answered_as_aws_does(
    server: InProcessServer, operation: str, message: str
) -> None:
    client, name = lam(server), create(server, alias="live")
    call = getattr(client, f"{operation}_function_url_config")
    extra = {"AuthType": "NONE"} if operation in ("create", "update") else {}
    missing_arn = function_arn(REGION, server.account_id, "doesnotexist")
    for args in ({"FunctionName": "doesnotexist"}, {"FunctionName": missing_arn},
                 {"FunctionName": name, "Qualifier": "v1"}):  # fmt: skip
        with pytest.raises(ClientError) as missing:
            call(**args, **extra)
        assert error(missing) == (404, "ResourceNotFoundException", message), args
    with pytest.raises(ClientError) as mismatch:
        call(FunctionName=f"{name}:live", Qualifier="other", **extra)
    assert error(mismatch)[1] == "InvalidParameterValueException"
    if operation != "create":  # the function and alias exist; the configuration does not
        with pytest.raises(ClientError) as no_config:
            call(FunctionName=name, Qualifier="live", **extra)
        assert error(no_config) == (404, "ResourceNotFoundException", NO_RESOURCE)


def test_listing_a_missing_function(server: InProcessServer) -> None:
    with pytest.raises(ClientError) as missing:
        lam(server).list_function_url_configs(FunctionName="doesnotexist")
    assert error(missing) == (404, "ResourceNotFoundException", NO_FUNCTION)


def test_cors_and_invoke_mode_round_trip_and_update_replaces_cors(
    server: InProcessServer,
) -> None:
    client, name = lam(server), create(server)
    cors = {
        "AllowCredentials": True,
        "AllowHeaders": ["x-custom"],
        "AllowMethods": ["GET", "*"],
        "AllowOrigins": ["https://example.com"],
        "ExposeHeaders": ["date"],
        "MaxAge": 86400,
    }
    created = client.create_function_url_config(FunctionName=name, AuthType="AWS_IAM", Cors=cors,
                                                InvokeMode="RESPONSE_STREAM")  # fmt: skip
    assert created["Cors"] == cors
    assert created["InvokeMode"] == "RESPONSE_STREAM"
    got = client.get_function_url_config(FunctionName=name)
    assert got["Cors"] == cors
    assert got["InvokeMode"] == "RESPONSE_STREAM"

    updated = client.update_function_url_config(FunctionName=name,
                                                Cors={"AllowOrigins": ["*"]},
                                                InvokeMode="BUFFERED")  # fmt: skip
    assert updated["Cors"] == {"AllowOrigins": ["*"]}
    assert updated["InvokeMode"] == "BUFFERED"
    assert updated["AuthType"] == "AWS_IAM"  # left as it was
    got = client.get_function_url_config(FunctionName=name)
    assert got["Cors"] == {"AllowOrigins": ["*"]}
    assert got["InvokeMode"] == "BUFFERED"


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ({"AuthType": "PUBLIC"}, "authType"),
        ({"AuthType": "NONE", "InvokeMode": "STREAM"}, "invokeMode"),
        ({"AuthType": "NONE", "Cors": {"MaxAge": 86401}}, "cors.maxAge"),
        ({"AuthType": "NONE", "Cors": {"MaxAge": -1}}, "cors.maxAge"),
        ({"AuthType": "NONE", "Cors": {"AllowMethods": ["GET"] * 7}}, "cors.allowMethods"),
        ({"AuthType": "NONE", "Cors": {"AllowMethods": ["CONNECT"]}}, "cors.allowMethods"),
        ({"AuthType": "NONE", "Cors": {"AllowOrigins": ["x" * 254]}}, "cors.allowOrigins"),
        ({"AuthType": "NONE", "Cors": {"AllowOrigins": [""]}}, "cors.allowOrigins"),
        ({"AuthType": "NONE", "Cors": {"AllowHeaders": ["h"] * 101}}, "cors.allowHeaders"),
        ({"AuthType": "NONE", "Cors": {"ExposeHeaders": ["h" * 1025]}}, "cors.exposeHeaders"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    server: InProcessServer, extra: dict[str, Any], where: str
) -> None:
    client, name = lam(server), create(server)
    with pytest.raises(ClientError) as refused:
        client.create_function_url_config(FunctionName=name, **extra)
    status, code, message = error(refused)
    assert (status, code) == (400, "ValidationException")
    assert f"at '{where}" in message, message
    assert lam(server).list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"] == []


def test_configs_outlive_a_restart(tmp_path: Path) -> None:
    backend = FakeBackend({"app.handler": echo})
    with InProcessServer(tmp_path / "data", clock=FakeClock(NOW), sandbox=backend) as running:
        name = create(running, alias="live")
        made = lam(running).create_function_url_config(
            FunctionName=name, Qualifier="live", AuthType="NONE",
            Cors={"AllowOrigins": ["https://a.example"], "MaxAge": 5},
        )  # fmt: skip
    with InProcessServer(tmp_path / "data", clock=FakeClock(NOW), sandbox=backend) as running:
        got = lam(running).get_function_url_config(FunctionName=name, Qualifier="live")
    assert got["FunctionUrl"] == made["FunctionUrl"]
    assert got["Cors"] == {"AllowOrigins": ["https://a.example"], "MaxAge": 5}


def test_deleting_the_function_deletes_its_urls(server: InProcessServer) -> None:
    client, name = lam(server), create(server)
    client.create_function_url_config(FunctionName=name, AuthType="NONE")
    client.delete_function(FunctionName=name)
    client.create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": PYTHON_ECHO},
    )  # fmt: skip
    assert client.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"] == []


def test_add_permission_writes_the_function_url_conditions(server: InProcessServer) -> None:
    client, name = lam(server), create(server)
    arn = function_arn(REGION, server.account_id, name)
    # The two statements AWS's console writes for a URL with AuthType NONE (Lambda developer
    # guide, "Control access to function URLs").
    client.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl",
                          Principal="*", FunctionUrlAuthType="NONE")  # fmt: skip
    client.add_permission(FunctionName=name, StatementId="via", Action="lambda:InvokeFunction",
                          Principal="*", InvokedViaFunctionUrl=True)  # fmt: skip
    statements = {s["Sid"]: s for s in json.loads(client.get_policy(FunctionName=name)["Policy"])
                  ["Statement"]}  # fmt: skip
    assert statements["url"]["Condition"] == {
        "StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}
    }
    assert statements["url"]["Resource"] == arn
    assert statements["via"]["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}


def user(server: InProcessServer, policy: dict[str, object]) -> tuple[str, str]:
    iam = server.client("iam")
    name = f"u-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_the_requested_auth_type_is_a_condition_key(server: InProcessServer) -> None:
    name = create(server)
    arn = function_arn(REGION, server.account_id, name)
    only_iam = user(server, {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "lambda:CreateFunctionUrlConfig", "Resource": arn,
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}}]})  # fmt: skip
    client = server.client("lambda", only_iam, validate=False)
    with pytest.raises(ClientError) as denied:
        client.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert error(denied)[:2] == (403, "AccessDeniedException")
    assert lam(server).list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"] == []
    made = client.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    assert made["AuthType"] == "AWS_IAM"
    with pytest.raises(ClientError) as not_granted:  # GetFunctionUrlConfig is another action
        client.get_function_url_config(FunctionName=name)
    assert error(not_granted)[:2] == (403, "AccessDeniedException")


def test_tenant_isolated_functions_have_no_urls(server: InProcessServer) -> None:
    # Lambda documents function URLs as incompatible with tenant isolation (AWS CDK's
    # TenancyConfig reference; the developer guide's "Tenant isolation" page).
    client, name = lam(server), f"t-{uuid.uuid4().hex[:8]}"
    client.create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": PYTHON_ECHO}, TenancyConfig={"TenantIsolationMode": "PER_TENANT"},
    )  # fmt: skip
    with pytest.raises(ClientError) as refused:
        client.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert error(refused)[:2] == (400, "InvalidParameterValueException")
    assert client.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"] == []
