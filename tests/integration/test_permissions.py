"""Resource-based policies of functions and layer versions, enforced across and within accounts."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_accounts import create_account
from tests.integration.test_iam import allow, error, function_arn, new_function, new_user, unique
from tests.support.packages import PYTHON_ECHO, make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def other(server: RunningServer) -> dict[str, Any]:
    """A second account (its administrator may do anything its identity policies allow)."""
    return create_account(server, unique("tenant"))


def creds(account: dict[str, Any]) -> tuple[str, str]:
    return account["AccessKeyId"], account["SecretAccessKey"]


def refused(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as denied:
        call(**params)
    code, message, status = error(denied)
    assert (code, status) == ("AccessDeniedException", 403), message
    return message


def test_another_account_is_refused_until_add_permission_grants_it(
    server: RunningServer, other: dict[str, Any]
) -> None:
    fn = new_function(server)
    arn = function_arn(server, fn)
    owner = server.client("lambda")
    them = server.client("lambda", credentials=creds(other))

    message = refused(them.get_function, FunctionName=arn)
    assert message.endswith("because no resource-based policy allows the lambda:GetFunction action")
    refused(them.invoke, FunctionName=arn, InvocationType="DryRun")

    added = owner.add_permission(
        FunctionName=fn, StatementId="read", Action="lambda:GetFunction",
        Principal=other["account_id"],
    )  # fmt: skip
    assert json.loads(added["Statement"]) == {
        "Sid": "read",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{other['account_id']}:root"},
        "Action": "lambda:GetFunction",
        "Resource": arn,
    }
    owner.add_permission(
        FunctionName=fn, StatementId="run", Action="lambda:InvokeFunction",
        Principal=other["account_id"],
    )  # fmt: skip
    assert them.get_function(FunctionName=arn)["Configuration"]["FunctionArn"] == arn
    assert them.invoke(FunctionName=arn, InvocationType="DryRun")["StatusCode"] == 204
    refused(them.update_function_configuration, FunctionName=arn, Description="mine now")

    # Across accounts both sides must allow: a user of the other account without an identity
    # policy is still refused.
    iam = server.client("iam", credentials=creds(other))
    user = unique("user")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    bare = server.client("lambda", credentials=(key["AccessKeyId"], key["SecretAccessKey"]))
    assert refused(bare.get_function, FunctionName=arn).endswith(
        "because no identity-based policy allows the lambda:GetFunction action"
    )

    owner.remove_permission(FunctionName=fn, StatementId="read")
    owner.remove_permission(FunctionName=fn, StatementId="run")
    refused(them.get_function, FunctionName=arn)
    refused(them.invoke, FunctionName=arn, InvocationType="DryRun")
    with pytest.raises(ClientError) as gone:
        owner.get_policy(FunctionName=fn)
    assert error(gone) == (
        "ResourceNotFoundException", "No policy is associated with the given resource.", 404
    )  # fmt: skip


def test_within_the_account_a_grant_naming_a_user_is_enough(server: RunningServer) -> None:
    fn = new_function(server)
    user, user_creds = new_user(server)
    lam = server.client("lambda", credentials=user_creds)
    refused(lam.get_function, FunctionName=fn)
    server.client("lambda").add_permission(
        FunctionName=fn, StatementId="u", Action="lambda:GetFunction",
        Principal=f"arn:aws:iam::{server.account_id}:user/{user}",
    )  # fmt: skip
    assert lam.get_function(FunctionName=fn)["Configuration"]["FunctionName"] == fn
    refused(lam.get_function_configuration, FunctionName=fn)  # only the granted action


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            {"SourceAccount": "111122223333"},
            {"StringEquals": {"AWS:SourceAccount": "111122223333"}},
        ),
        (
            {"SourceArn": "arn:aws:s3:::bucket"},
            {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}},
        ),
    ],
)
def test_source_conditions_are_written_and_hold_back_direct_callers(
    server: RunningServer, other: dict[str, Any], condition: dict[str, str], expected: Any
) -> None:
    fn = new_function(server)
    owner = server.client("lambda")
    owner.add_permission(
        FunctionName=fn, StatementId="scoped", Action="lambda:*", Principal=other["account_id"],
        **condition,
    )  # fmt: skip
    document = json.loads(owner.get_policy(FunctionName=fn)["Policy"])
    assert document["Version"] == "2012-10-17"
    assert document["Id"] == "default"
    assert document["Statement"][0]["Condition"] == expected
    # A direct call carries no source, so the condition does not hold.
    them = server.client("lambda", credentials=creds(other))
    refused(them.get_function, FunctionName=function_arn(server, fn))


def test_revision_ids_and_statement_ids_guard_the_policy(server: RunningServer) -> None:
    fn = new_function(server)
    lam = server.client("lambda")
    base = {"FunctionName": fn, "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}
    lam.add_permission(StatementId="one", **base)
    revision = lam.get_policy(FunctionName=fn)["RevisionId"]
    with pytest.raises(ClientError) as stale:
        lam.add_permission(StatementId="two", RevisionId="not-the-revision", **base)
    code, message, status = error(stale)
    assert (code, status) == ("PreconditionFailedException", 412)
    assert "does not match the latest Revision Id" in message
    lam.add_permission(StatementId="two", RevisionId=revision, **base)
    with pytest.raises(ClientError) as duplicate:
        lam.add_permission(StatementId="one", **base)
    assert error(duplicate) == (
        "ResourceConflictException",
        "The statement id (one) provided already exists. Please provide a new statement id, or"
        " remove the existing statement.",
        409,
    )
    with pytest.raises(ClientError) as stale_remove:
        lam.remove_permission(FunctionName=fn, StatementId="one", RevisionId=revision)
    assert error(stale_remove)[0] == "PreconditionFailedException"
    with pytest.raises(ClientError) as missing:
        lam.remove_permission(FunctionName=fn, StatementId="nope")
    assert error(missing)[0] == "ResourceNotFoundException"
    sids = [s["Sid"] for s in json.loads(lam.get_policy(FunctionName=fn)["Policy"])["Statement"]]
    assert sids == ["one", "two"]


def test_a_policy_over_20_kb_is_refused(server: RunningServer) -> None:
    fn = new_function(server)
    lam = server.client("lambda")
    long_arn = "arn:aws:s3:::" + "b" * 9000
    for sid in ("a", "b"):
        lam.add_permission(FunctionName=fn, StatementId=sid, Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", SourceArn=long_arn)  # fmt: skip
    with pytest.raises(ClientError) as too_long:
        lam.add_permission(FunctionName=fn, StatementId="c", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", SourceArn=long_arn)  # fmt: skip
    code, message, status = error(too_long)
    assert (code, status) == ("PolicyLengthExceededException", 400)
    assert "bigger than the limit (20480)" in message


def _raw_get_policy(lam: Any, fn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    bodies: list[bytes] = []

    def keep(http_response: Any, **_: Any) -> None:
        bodies.append(http_response.content)

    lam.meta.events.register("after-call.lambda.GetPolicy", keep)
    parsed = lam.get_policy(FunctionName=fn)
    return parsed, json.loads(bodies[-1])


def test_a_public_policy_is_flagged(server: RunningServer) -> None:
    fn = new_function(server)
    lam = server.client("lambda")
    lam.add_permission(FunctionName=fn, StatementId="scoped", Action="lambda:InvokeFunction",
                       Principal="*", SourceAccount=server.account_id)  # fmt: skip
    parsed, raw = _raw_get_policy(lam, fn)
    assert raw["StockadePublicAccess"] is False
    assert parsed["ResponseMetadata"]["HTTPHeaders"]["x-stockade-public-access"] == "false"
    assert "StockadePublicAccess" not in parsed  # botocore ignores the extra member

    lam.add_permission(FunctionName=fn, StatementId="everyone", Action="lambda:InvokeFunction",
                       Principal="*")  # fmt: skip
    parsed, raw = _raw_get_policy(lam, fn)
    assert raw["StockadePublicAccess"] is True
    assert parsed["ResponseMetadata"]["HTTPHeaders"]["x-stockade-public-access"] == "true"
    # Public means public: a user with no identity policy of its own may invoke.
    _, user_creds = new_user(server)
    stranger = server.client("lambda", credentials=user_creds)
    assert stranger.invoke(FunctionName=fn, InvocationType="DryRun")["StatusCode"] == 204


def test_versions_and_aliases_have_their_own_policies(server: RunningServer) -> None:
    fn = new_function(server)
    lam = server.client("lambda")
    version = lam.publish_version(FunctionName=fn)["Version"]
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion=version)
    grant = {"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}
    lam.add_permission(FunctionName=fn, Qualifier="live", StatementId="a", **grant)
    lam.add_permission(FunctionName=f"{fn}:{version}", StatementId="v", **grant)
    alias_policy = json.loads(lam.get_policy(FunctionName=fn, Qualifier="live")["Policy"])
    assert alias_policy["Statement"][0]["Resource"] == function_arn(server, f"{fn}:live")
    version_policy = json.loads(lam.get_policy(FunctionName=fn, Qualifier=version)["Policy"])
    assert version_policy["Statement"][0]["Resource"] == function_arn(server, f"{fn}:{version}")
    with pytest.raises(ClientError) as unqualified:
        lam.get_policy(FunctionName=fn)
    assert error(unqualified)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as latest:
        lam.add_permission(FunctionName=fn, Qualifier="$LATEST", StatementId="l", **grant)
    assert error(latest)[0] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as no_alias:
        lam.add_permission(FunctionName=fn, Qualifier="nope", StatementId="n", **grant)
    assert error(no_alias)[0] == "ResourceNotFoundException"

    # Policies go with their resource: a re-created alias starts without one.
    lam.delete_alias(FunctionName=fn, Name="live")
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion=version)
    with pytest.raises(ClientError) as fresh:
        lam.get_policy(FunctionName=fn, Qualifier="live")
    assert error(fresh)[0] == "ResourceNotFoundException"


def test_a_policy_survives_updates_and_dies_with_its_function(server: RunningServer) -> None:
    fn = new_function(server)
    lam = server.client("lambda")
    lam.add_permission(FunctionName=fn, StatementId="s", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")  # fmt: skip
    lam.update_function_configuration(FunctionName=fn, Description="changed")
    assert "Policy" in lam.get_policy(FunctionName=fn)
    lam.delete_function(FunctionName=fn)
    server.client("lambda").create_function(
        FunctionName=fn, Runtime="python3.11", Handler="app.handler", Code={"ZipFile": PYTHON_ECHO},
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
    )  # fmt: skip
    with pytest.raises(ClientError) as fresh:
        lam.get_policy(FunctionName=fn)
    assert error(fresh)[0] == "ResourceNotFoundException"


def test_a_layer_version_permission_lets_another_account_use_the_layer(
    server: RunningServer, other: dict[str, Any]
) -> None:
    owner = server.client("lambda")
    layer = unique("layer")
    published = owner.publish_layer_version(
        LayerName=layer, Content={"ZipFile": make_zip({"python/shared.py": "X = 1\n"})}
    )
    layer_version = published["LayerVersionArn"]
    number = published["Version"]
    them = server.client("lambda", credentials=creds(other))
    role = f"arn:aws:iam::{other['account_id']}:role/stockade-lambda-basic-execution"
    create = {
        "Runtime": "python3.11", "Handler": "app.handler", "Role": role,
        "Code": {"ZipFile": PYTHON_ECHO}, "Layers": [layer_version],
    }  # fmt: skip
    refused(them.create_function, FunctionName=unique("fn"), **create)
    refused(them.get_layer_version_by_arn, Arn=layer_version)

    added = owner.add_layer_version_permission(
        LayerName=layer, VersionNumber=number, StatementId="share",
        Action="lambda:GetLayerVersion", Principal=other["account_id"],
    )  # fmt: skip
    assert json.loads(added["Statement"])["Principal"] == {
        "AWS": f"arn:aws:iam::{other['account_id']}:root"
    }
    policy = owner.get_layer_version_policy(LayerName=layer, VersionNumber=number)
    assert policy["RevisionId"] == added["RevisionId"]
    assert json.loads(policy["Policy"])["Statement"][0]["Resource"] == layer_version

    created = them.create_function(FunctionName=unique("fn"), **create)
    assert [a["Arn"] for a in created["Layers"]] == [layer_version]
    assert them.get_layer_version_by_arn(Arn=layer_version)["Version"] == number
    # Another account may not change the owner's policy.
    refused(
        them.remove_layer_version_permission,
        LayerName=layer_version.rsplit(":", 1)[0], VersionNumber=number, StatementId="share",
    )  # fmt: skip

    with pytest.raises(ClientError) as duplicate:
        owner.add_layer_version_permission(
            LayerName=layer, VersionNumber=number, StatementId="share",
            Action="lambda:GetLayerVersion", Principal="*",
        )  # fmt: skip
    assert error(duplicate)[0] == "ResourceConflictException"
    owner.remove_layer_version_permission(
        LayerName=layer, VersionNumber=number, StatementId="share"
    )
    refused(them.create_function, FunctionName=unique("fn"), **create)
    with pytest.raises(ClientError) as gone:
        owner.get_layer_version_policy(LayerName=layer, VersionNumber=number)
    assert error(gone)[1] == "No policy is associated with the given resource."
    with pytest.raises(ClientError) as no_version:
        owner.add_layer_version_permission(
            LayerName=layer, VersionNumber=number + 5, StatementId="x",
            Action="lambda:GetLayerVersion", Principal="*",
        )  # fmt: skip
    assert error(no_version)[0] == "ResourceNotFoundException"


def test_add_permission_and_get_policy_with_the_aws_cli(server: RunningServer) -> None:
    fn = new_function(server)

    def aws(*args: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "awscli", "lambda", *args, "--output", "json"],
            env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    added = aws(
        "add-permission", "--function-name", fn, "--statement-id", "s3-invoke",
        "--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com",
        "--source-arn", "arn:aws:s3:::my-bucket", "--source-account", server.account_id,
    )  # fmt: skip
    statement = json.loads(added["Statement"])
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    got = aws("get-policy", "--function-name", fn)
    assert json.loads(got["Policy"])["Statement"] == [statement]
    assert got["RevisionId"]


def test_identity_policies_still_gate_permission_management(server: RunningServer) -> None:
    fn = new_function(server)
    _, user_creds = new_user(server, allow("lambda:GetPolicy", function_arn(server, fn)))
    lam = server.client("lambda", credentials=user_creds)
    refused(lam.add_permission, FunctionName=fn, StatementId="x",
            Action="lambda:InvokeFunction", Principal="*")  # fmt: skip
    with pytest.raises(ClientError) as none_yet:
        lam.get_policy(FunctionName=fn)
    assert error(none_yet)[0] == "ResourceNotFoundException"


def test_lambdas_condition_keys_reach_the_caller_policies(server: RunningServer) -> None:
    owner = server.client("lambda")
    content = {"ZipFile": make_zip({"python/shared.py": "X = 1\n"})}
    approved = owner.publish_layer_version(LayerName=unique("approved"), Content=content)
    other = owner.publish_layer_version(LayerName=unique("other"), Content=content)
    only_approved = {"ForAllValues:StringEquals": {"lambda:Layer": [approved["LayerVersionArn"]]}}
    only_s3 = {"StringEquals": {"lambda:Principal": "s3.amazonaws.com"}}
    _, user_creds = new_user(
        server,
        allow("lambda:CreateFunction", Condition=only_approved),
        allow(["iam:PassRole", "lambda:GetLayerVersion"]),
        allow("lambda:AddPermission", Condition=only_s3),
    )
    lam = server.client("lambda", credentials=user_creds)
    create = {
        "Runtime": "python3.11", "Handler": "app.handler", "Code": {"ZipFile": PYTHON_ECHO},
        "Role": f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
    }  # fmt: skip
    refused(lam.create_function, FunctionName=unique("fn"), Layers=[other["LayerVersionArn"]],
            **create)  # fmt: skip
    fn = lam.create_function(
        FunctionName=unique("fn"), Layers=[approved["LayerVersionArn"]], **create
    )["FunctionName"]

    refused(lam.add_permission, FunctionName=fn, StatementId="account",
            Action="lambda:InvokeFunction", Principal=server.account_id)  # fmt: skip
    added = lam.add_permission(
        FunctionName=fn, StatementId="bucket", Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com", SourceAccount=server.account_id,
    )  # fmt: skip
    assert json.loads(added["Statement"])["Principal"] == {"Service": "s3.amazonaws.com"}
