"""Function configuration and lifecycle as AWS answers them, checked in-process with boto3.

The facts come from AWS's Lambda API reference (CreateFunction, ListFunctions, PublishVersion,
PutFunctionConcurrency, PutProvisionedConcurrencyConfig, TagResource), botocore's model, and
responses recorded against AWS (published with LocalStack's validated snapshot tests): what a
create or update answers, what the next read shows, which members list entries carry, and the
exact codes and messages of the refusals.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.sandbox.backends.fake import FakeBackend, FakeContext
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO, make_zip


async def echo(event: bytes, context: FakeContext) -> bytes:
    return event


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    backend = FakeBackend({"app.handler": echo})
    with InProcessServer(tmp_path_factory.mktemp("lifecycle") / "data", sandbox=backend) as s:
        yield s


def create(server: InProcessServer, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "FunctionName": f"lc-{uuid.uuid4().hex[:10]}",
        "Runtime": "python3.11",
        "Role": f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        "Handler": "app.handler",
        "Code": {"ZipFile": PYTHON_ECHO},
    }
    params.update(extra)
    # Client-side validation off: the server enforces every constraint on its own.
    lam = server.client("lambda", validate=False)
    created: dict[str, Any] = lam.create_function(**params)
    return created


def refusal(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


# -- 2. state and update status -------------------------------------------------------------------


def test_create_answers_pending_then_reads_active_with_a_new_revision(
    server: InProcessServer,
) -> None:
    lam = server.client("lambda")
    created = create(server)
    name = created["FunctionName"]
    assert (created["State"], created["StateReason"], created["StateReasonCode"]) == (
        "Pending",
        "The function is being created.",
        "Creating",
    )
    assert "LastUpdateStatus" not in created  # a function being created has had no update
    got = lam.get_function(FunctionName=name)["Configuration"]
    assert (got["State"], got["LastUpdateStatus"]) == ("Active", "Successful")
    assert not {"StateReason", "StateReasonCode", "LastUpdateStatusReason"} & set(got)
    assert got["RevisionId"] != created["RevisionId"]
    # Never unusable while "pending": the function answers at once.
    reply = lam.invoke(FunctionName=name, Payload=b'{"n": 1}')
    assert (reply["StatusCode"], json.loads(reply["Payload"].read())) == (200, {"n": 1})


def test_the_revision_a_create_answered_is_stale_as_on_aws(server: InProcessServer) -> None:
    lam = server.client("lambda")
    created = create(server)
    with pytest.raises(ClientError) as stale:
        lam.update_function_configuration(
            FunctionName=created["FunctionName"], MemorySize=256, RevisionId=created["RevisionId"]
        )
    assert refusal(stale) == (
        "PreconditionFailedException",
        412,
        "The Revision Id provided does not match the latest Revision Id. Call the"
        " GetFunction/GetAlias API to retrieve the latest Revision Id",
    )


@pytest.mark.parametrize("operation", ["configuration", "code"])
def test_updates_answer_in_progress_then_read_successful(
    server: InProcessServer, operation: str
) -> None:
    lam = server.client("lambda")
    name = create(server)["FunctionName"]
    before = lam.get_function_configuration(FunctionName=name)
    if operation == "configuration":
        answered = lam.update_function_configuration(
            FunctionName=name, Description="changed", RevisionId=before["RevisionId"]
        )
    else:
        answered = lam.update_function_code(
            FunctionName=name,
            ZipFile=make_zip({"app.py": "def handler(e, c):\n    return 2\n"}),
            RevisionId=before["RevisionId"],
        )
    assert (
        answered["State"],
        answered["LastUpdateStatus"],
        answered["LastUpdateStatusReason"],
        answered["LastUpdateStatusReasonCode"],
    ) == ("Active", "InProgress", "The function is being created.", "Creating")
    after = lam.get_function_configuration(FunctionName=name)
    assert (after["State"], after["LastUpdateStatus"]) == ("Active", "Successful")
    assert len({before["RevisionId"], answered["RevisionId"], after["RevisionId"]}) == 3
    # The stored revision is the one preconditions accept.
    lam.update_function_configuration(FunctionName=name, Timeout=5, RevisionId=after["RevisionId"])


def test_state_transitions_follow_the_servers_clock(server: InProcessServer) -> None:
    lam = server.client("lambda")
    created = create(server)
    got = lam.get_function_configuration(FunctionName=created["FunctionName"])
    assert got["LastModified"] == created["LastModified"]
    server.clock.advance(3600)
    updated = lam.update_function_configuration(FunctionName=created["FunctionName"], Timeout=7)
    assert updated["LastModified"] > created["LastModified"]


# -- 1. members always returned -------------------------------------------------------------------

FULL_MEMBERS = {
    "FunctionName", "FunctionArn", "Runtime", "Role", "Handler", "CodeSize", "Description",
    "Timeout", "MemorySize", "LastModified", "CodeSha256", "Version", "TracingConfig",
    "RevisionId", "PackageType", "Architectures", "EphemeralStorage", "SnapStart",
    "LoggingConfig",
}  # fmt: skip
STATE_MEMBERS = {
    "State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode",
}  # fmt: skip


def test_get_function_returns_every_member_aws_always_returns(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name = create(server)["FunctionName"]
    got = lam.get_function_configuration(FunctionName=name)
    assert FULL_MEMBERS | {"State", "LastUpdateStatus"} <= set(got)
    assert got["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    assert got["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert (got["EphemeralStorage"], got["Architectures"], got["PackageType"]) == (
        {"Size": 512},
        ["x86_64"],
        "Zip",
    )
    assert (got["TracingConfig"], got["MemorySize"], got["Version"]) == (
        {"Mode": "PassThrough"},
        128,
        "$LATEST",
    )
    assert "Environment" not in got  # never set: not returned


def test_an_environment_set_empty_is_echoed(server: InProcessServer) -> None:
    lam = server.client("lambda")
    created = create(server, Environment={"Variables": {}})
    assert created["Environment"] == {"Variables": {}}
    name = created["FunctionName"]
    assert lam.get_function_configuration(FunctionName=name)["Environment"] == {"Variables": {}}
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"AB": "1"}})
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {}})
    listed = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert listed[0]["Environment"] == {"Variables": {}}


def test_list_entries_carry_exactly_what_aws_lists(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name = create(server, Publish=True)["FunctionName"]
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]
    for entry in versions:
        assert set(entry) == FULL_MEMBERS, entry["Version"]
        assert entry["FunctionArn"].endswith(f":function:{name}:{entry['Version']}")
    every = lam.list_functions(FunctionVersion="ALL", MaxItems=50)
    paginator = lam.get_paginator("list_functions")
    default = [f for page in paginator.paginate() for f in page["Functions"]]
    mine = [f for f in default if f["FunctionName"] == name]
    assert len(mine) == 1
    assert set(mine[0]) == FULL_MEMBERS
    assert mine[0]["FunctionArn"].endswith(f":function:{name}")  # unqualified here
    for entry in every["Functions"]:
        assert not STATE_MEMBERS & set(entry)
    # $LATEST named as such is answered with the qualified ARN; unnamed, without.
    qualified = lam.get_function(FunctionName=name, Qualifier="$LATEST")["Configuration"]
    assert qualified["FunctionArn"].endswith(f":function:{name}:$LATEST")
    assert lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"].endswith(name)


def test_alias_entries_carry_exactly_what_aws_lists(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name = create(server, Publish=True)["FunctionName"]
    lam.update_function_configuration(FunctionName=name, Timeout=4)
    lam.publish_version(FunctionName=name)
    plain = lam.create_alias(FunctionName=name, Name="plain", FunctionVersion="1")
    routed = lam.create_alias(
        FunctionName=name,
        Name="routed",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.2}},
    )
    empty = lam.create_alias(
        FunctionName=name,
        Name="empty",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    members = {"AliasArn", "Name", "FunctionVersion", "Description", "RevisionId"}
    assert set(plain) - {"ResponseMetadata"} == members
    assert set(empty) - {"ResponseMetadata"} == members  # an empty routing is not echoed
    assert routed["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.2}}
    listed = {a["Name"]: a for a in lam.list_aliases(FunctionName=name)["Aliases"]}
    assert set(listed["plain"]) == members
    assert set(listed["routed"]) == members | {"RoutingConfig"}


def test_create_with_publish_answers_version_one_pending(server: InProcessServer) -> None:
    lam = server.client("lambda")
    created = create(server, Publish=True)
    assert (created["Version"], created["State"], created["StateReasonCode"]) == (
        "1",
        "Pending",
        "Creating",
    )
    one = lam.get_function_configuration(FunctionName=created["FunctionName"], Qualifier="1")
    assert (one["State"], one["LastUpdateStatus"]) == ("Active", "Successful")
    assert one["RevisionId"] != created["RevisionId"]


def test_update_code_with_publish_answers_the_new_version_pending(
    server: InProcessServer,
) -> None:
    lam = server.client("lambda")
    name = create(server)["FunctionName"]
    code = make_zip({"app.py": "def handler(e, c):\n    return 3\n"})
    answered = lam.update_function_code(FunctionName=name, ZipFile=code, Publish=True)
    assert (answered["Version"], answered["State"], answered["StateReasonCode"]) == (
        "1",
        "Pending",
        "Creating",
    )
    assert answered["FunctionArn"].endswith(f":function:{name}:1")
    one = lam.get_function_configuration(FunctionName=name, Qualifier="1")
    assert (one["State"], one["CodeSha256"]) == ("Active", answered["CodeSha256"])
    # Nothing new to publish: the existing version, as it is.
    again = lam.update_function_code(FunctionName=name, ZipFile=code, Publish=True)
    assert (again["Version"], again["State"], again["RevisionId"]) == (
        "1",
        "Active",
        one["RevisionId"],
    )


def test_event_invoke_config_always_carries_both_destinations(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name = create(server)["FunctionName"]
    put = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    listed = lam.list_function_event_invoke_configs(FunctionName=name)
    assert listed["FunctionEventInvokeConfigs"][0]["DestinationConfig"] == {
        "OnSuccess": {},
        "OnFailure": {},
    }


# -- 4. versions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"Description": "a new description of $LATEST"},
        {"Timeout": 9},
        {"MemorySize": 256},
        {"Handler": "app.other"},
        {"EphemeralStorage": {"Size": 1024}},
        {"Environment": {"Variables": {"AB": "1"}}},
    ],
)
def test_any_configuration_change_publishes_a_new_version(
    server: InProcessServer, change: dict[str, Any]
) -> None:
    lam = server.client("lambda")
    name = create(server)["FunctionName"]
    first = lam.publish_version(FunctionName=name, Description="v1")
    again = lam.publish_version(FunctionName=name)
    assert (first["Version"], again["Version"]) == ("1", "1")  # nothing changed: the same one
    assert again["RevisionId"] == first["RevisionId"]
    lam.update_function_configuration(FunctionName=name, **change)
    second = lam.publish_version(FunctionName=name)
    assert second["Version"] == "2"
    third = lam.publish_version(FunctionName=name, Description="only the version's")
    assert (third["Version"], third["Description"]) == ("2", second["Description"])


def test_publish_version_preconditions_in_aws_words(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name = create(server)["FunctionName"]
    latest = lam.get_function_configuration(FunctionName=name)
    with pytest.raises(ClientError) as wrong_sha:
        lam.publish_version(FunctionName=name, CodeSha256="somenonexistentsha256")
    assert refusal(wrong_sha) == (
        "InvalidParameterValueException",
        400,
        "CodeSHA256 (somenonexistentsha256) is different from current CodeSHA256 in $LATEST"
        f" ({latest['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST.",
    )
    with pytest.raises(ClientError) as wrong_revision:
        lam.publish_version(FunctionName=name, RevisionId="wrong")
    assert refusal(wrong_revision) == (
        "PreconditionFailedException",
        412,
        "The Revision Id provided does not match the latest Revision Id. Call the"
        " GetFunction/GetAlias API to retrieve the latest Revision Id",
    )
    published = lam.publish_version(
        FunctionName=name, CodeSha256=latest["CodeSha256"], RevisionId=latest["RevisionId"]
    )
    assert (published["Version"], published["State"]) == ("1", "Active")
    # A publish gives $LATEST a new RevisionId; answering with an existing version does not.
    after = lam.get_function_configuration(FunctionName=name)["RevisionId"]
    assert len({latest["RevisionId"], published["RevisionId"], after}) == 3
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    assert lam.get_function_configuration(FunctionName=name)["RevisionId"] == after


# -- 3. limits and rules --------------------------------------------------------------------------


def test_function_name_lengths(server: InProcessServer) -> None:
    with pytest.raises(ClientError) as long_name:
        create(server, FunctionName="a" * 65)
    assert refusal(long_name) == (
        "InvalidParameterValueException",
        400,
        f"1 validation error detected: Value '{'a' * 65}' at 'functionName' failed to satisfy"
        " constraint: Member must have length less than or equal to 64",
    )
    prefix = f"arn:aws:lambda:us-east-1:{server.account_id}:function:"
    long_arn = prefix + "a" * (141 - len(prefix))
    with pytest.raises(ClientError) as too_long:
        create(server, FunctionName=long_arn)
    assert refusal(too_long)[:2] == ("ValidationException", 400)
    assert "Member must have length less than or equal to 140" in refusal(too_long)[2]
    assert create(server, FunctionName="b" * 64)["FunctionName"] == "b" * 64


def test_reserved_concurrency_is_for_the_function_only(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name = create(server, Publish=True)["FunctionName"]
    for qualified in (f"{name}:1", f"{name}:$LATEST"):
        with pytest.raises(ClientError) as refused:
            lam.put_function_concurrency(FunctionName=qualified, ReservedConcurrentExecutions=1)
        assert refusal(refused) == (
            "InvalidParameterValueException",
            400,
            "This operation is permitted on Lambda functions only. Aliases and versions do not"
            " support this operation. Please specify either a function name or an unqualified"
            " function ARN.",
        )
    with pytest.raises(ClientError) as missing:
        lam.put_function_concurrency(FunctionName="doesnotexist", ReservedConcurrentExecutions=1)
    assert refusal(missing) == (
        "ResourceNotFoundException",
        404,
        f"Function not found: arn:aws:lambda:us-east-1:{server.account_id}:function:"
        "doesnotexist:$LATEST",
    )
    with pytest.raises(ClientError) as too_much:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=901)
    assert refusal(too_much) == (
        "InvalidParameterValueException",
        400,
        "Specified ReservedConcurrentExecutions for function decreases account's"
        " UnreservedConcurrentExecution below its minimum value of [100].",
    )


def test_provisioned_concurrency_rules(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name = create(server, Publish=True)["FunctionName"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    with pytest.raises(ClientError) as on_latest:
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
        )
    assert refusal(on_latest) == (
        "InvalidParameterValueException",
        400,
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
    )
    with pytest.raises(ClientError) as get_latest:
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="$LATEST")
    assert refusal(get_latest) == (
        "InvalidParameterValueException",
        400,
        "The function resource provided must be an alias or a published version.",
    )
    with pytest.raises(ClientError) as none_yet:
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert refusal(none_yet) == (
        "ProvisionedConcurrencyConfigNotFoundException",
        404,
        "No Provisioned Concurrency Config found for this function",
    )
    with pytest.raises(ClientError) as over_pool:
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1001
        )
    assert refusal(over_pool) == (
        "InvalidParameterValueException",
        400,
        "Specified ConcurrentExecutions for function is greater than account's unreserved"
        " concurrency [1000].",
    )
    with pytest.raises(ClientError) as below_min:
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=901
        )
    assert refusal(below_min) == (
        "InvalidParameterValueException",
        400,
        "Specified ConcurrentExecutions for function decreases account's"
        " UnreservedConcurrentExecution below its minimum value of [100].",
    )
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
    )
    with pytest.raises(ClientError) as overlap:
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1
        )
    assert refusal(overlap) == (
        "ResourceConflictException",
        409,
        "Alias can't be used for Provisioned Concurrency configuration on an already"
        " Provisioned version",
    )
    with pytest.raises(ClientError) as below_provisioned:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert refusal(below_provisioned)[:2] == ("InvalidParameterValueException", 400)
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1
    )
    with pytest.raises(ClientError) as pointed:
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
        )
    assert refusal(pointed) == (
        "ResourceConflictException",
        409,
        "Version is pointed by a Provisioned Concurrency alias",
    )


def test_tag_rules(server: InProcessServer) -> None:
    lam = server.client("lambda", validate=False)
    created = create(server, Tags={f"k{i}": "v" for i in range(49)})
    arn = created["FunctionArn"]
    with pytest.raises(ClientError) as too_many:
        lam.tag_resource(Resource=arn, Tags={"k49": "v", "k50": "v"})
    assert refusal(too_many) == (
        "InvalidParameterValueException",
        400,
        "Number of tags exceeds resource tag limit.",
    )
    lam.tag_resource(Resource=arn, Tags={"k49": "v"})  # the 50th fits
    assert len(lam.list_tags(Resource=arn)["Tags"]) == 50
    with pytest.raises(ClientError) as on_create:
        create(server, Tags={f"k{i}": "v" for i in range(51)})
    assert refusal(on_create)[2] == "Number of tags exceeds resource tag limit."
    with pytest.raises(ClientError) as empty:
        lam.tag_resource(Resource=arn, Tags={})
    assert refusal(empty) == (
        "InvalidParameterValueException",
        400,
        "An error occurred and the request cannot be processed.",
    )
    lam.untag_resource(Resource=arn, TagKeys=["k0"])
    with pytest.raises(ClientError) as reserved:
        lam.tag_resource(Resource=arn, Tags={"aws:owner": "me"})
    assert refusal(reserved)[:2] == ("InvalidParameterValueException", 400)
    with pytest.raises(ClientError) as long_key:  # the model's TagKey: at most 128
        lam.tag_resource(Resource=arn, Tags={"k" * 129: "v"})
    assert refusal(long_key)[:2] == ("ValidationException", 400)
    with pytest.raises(ClientError) as on_version:
        lam.tag_resource(Resource=f"{arn}:$LATEST", Tags={"a": "b"})
    assert refusal(on_version)[2] == (
        "Tags on function aliases and versions are not supported. Please specify a function ARN."
    )


def test_a_zip_over_50_mb_is_refused_with_413(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name = create(server)["FunctionName"]
    oversized = b"PK" + b"\0" * (52_428_800 - 1)  # one byte over; never unpacked
    with pytest.raises(ClientError) as refused:
        lam.update_function_code(FunctionName=name, ZipFile=oversized)
    assert refusal(refused) == (
        "RequestEntityTooLargeException",
        413,
        "Zipped size must be smaller than 52428800 bytes",
    )


def test_a_blocked_runtime_is_refused_in_aws_words(server: InProcessServer) -> None:
    with pytest.raises(ClientError) as refused:
        create(server, Runtime="python3.7")
    assert refusal(refused) == (
        "InvalidParameterValueException",
        400,
        "The runtime parameter of python3.7 is no longer supported for creating or updating AWS"
        " Lambda functions. We recommend you use a supported runtime while creating or updating"
        " functions.",
    )
