"""IAM policies enforced on every request: boto3 iam, sts and lambda clients against a server."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import PYTHON_ECHO
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

LAMBDA_READ_ONLY = "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def new_user(
    server: RunningServer, *policies: dict[str, Any], attach: tuple[str, ...] = ()
) -> tuple[str, tuple[str, str]]:
    iam = server.client("iam")
    name = unique("user")
    iam.create_user(UserName=name)
    for index, statement in enumerate(policies):
        iam.put_user_policy(
            UserName=name, PolicyName=f"p{index}", PolicyDocument=document(statement)
        )
    for arn in attach:
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, (key["AccessKeyId"], key["SecretAccessKey"])


def new_function(server: RunningServer) -> str:
    name = unique("fn")
    server.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": PYTHON_ECHO},
    )
    return name


def function_arn(server: RunningServer, name: str) -> str:
    return f"arn:aws:lambda:{server.region}:{server.account_id}:function:{name}"


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = exc.value.response
    return (
        str(response["Error"]["Code"]),
        str(response["Error"].get("Message", "")),
        int(response["ResponseMetadata"]["HTTPStatusCode"]),
    )


def test_least_privilege_user_reads_one_function_and_nothing_else(server: RunningServer) -> None:
    fn_a, fn_b = new_function(server), new_function(server)
    user, creds = new_user(server, allow("lambda:GetFunction", function_arn(server, fn_a)))
    lam = server.client("lambda", credentials=creds)

    assert lam.get_function(FunctionName=fn_a)["Configuration"]["FunctionName"] == fn_a
    with pytest.raises(ClientError) as denied:
        lam.get_function(FunctionName=fn_b)
    code, message, status = error(denied)
    assert (code, status) == ("AccessDeniedException", 403)
    assert message == (
        f"User: arn:aws:iam::{server.account_id}:user/{user} is not authorized to perform:"
        f" lambda:GetFunction on resource: {function_arn(server, fn_b)} because no"
        " identity-based policy allows the lambda:GetFunction action"
    )
    with pytest.raises(ClientError) as update:
        lam.update_function_code(FunctionName=fn_a, ZipFile=PYTHON_ECHO)
    assert error(update)[0] == "AccessDeniedException"


def test_an_explicit_deny_wins_and_says_so(server: RunningServer) -> None:
    fn = new_function(server)
    deny = {"Effect": "Deny", "Action": "lambda:GetFunction", "Resource": function_arn(server, fn)}
    _, creds = new_user(server, allow("lambda:*"), deny)
    with pytest.raises(ClientError) as denied:
        server.client("lambda", credentials=creds).get_function(FunctionName=fn)
    assert error(denied)[1].endswith("with an explicit deny in an identity-based policy")


@pytest.mark.parametrize(("cidr", "allowed"), [("10.0.0.0/8", False), ("127.0.0.0/8", True)])
def test_a_source_ip_condition_is_enforced(server: RunningServer, cidr: str, allowed: bool) -> None:
    condition = {"IpAddress": {"aws:SourceIp": cidr}}
    _, creds = new_user(server, allow("lambda:ListFunctions", Condition=condition))
    lam = server.client("lambda", credentials=creds)
    if allowed:
        assert "Functions" in lam.list_functions()
    else:
        with pytest.raises(ClientError) as denied:
            lam.list_functions()
        assert error(denied)[0] == "AccessDeniedException"


def test_a_permissions_boundary_caps_an_over_broad_policy(server: RunningServer) -> None:
    fn = new_function(server)
    user, creds = new_user(server, attach=(ADMIN,))
    server.client("iam").put_user_permissions_boundary(
        UserName=user, PermissionsBoundary=LAMBDA_READ_ONLY
    )
    assert server.client("iam").get_user(UserName=user)["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": LAMBDA_READ_ONLY,
    }
    lam = server.client("lambda", credentials=creds)
    assert lam.get_function(FunctionName=fn)["Configuration"]["FunctionName"] == fn
    with pytest.raises(ClientError) as denied:
        lam.delete_function(FunctionName=fn)
    assert error(denied)[1].endswith(
        "because no permissions boundary allows the lambda:DeleteFunction action"
    )
    with pytest.raises(ClientError) as iam_denied:
        server.client("iam", credentials=creds).list_users()
    assert error(iam_denied)[:3:2] == ("AccessDenied", 403)
    server.client("iam").delete_user_permissions_boundary(UserName=user)
    lam.delete_function(FunctionName=fn)


def test_an_inactive_key_is_refused_and_can_be_reactivated(server: RunningServer) -> None:
    user, creds = new_user(server, allow("lambda:ListFunctions"))
    iam = server.client("iam")
    iam.update_access_key(UserName=user, AccessKeyId=creds[0], Status="Inactive")
    listed = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in listed] == [(creds[0], "Inactive")]
    assert "SecretAccessKey" not in listed[0]
    with pytest.raises(ClientError) as refused:
        server.client("lambda", credentials=creds).list_functions()
    assert error(refused)[0] == "UnrecognizedClientException"
    with pytest.raises(ClientError) as refused_sts:
        server.client("sts", credentials=creds).get_caller_identity()
    assert error(refused_sts)[0] == "InvalidClientTokenId"
    iam.update_access_key(UserName=user, AccessKeyId=creds[0], Status="Active")
    assert "Functions" in server.client("lambda", credentials=creds).list_functions()


def test_a_deleted_key_is_refused(server: RunningServer) -> None:
    user, creds = new_user(server, allow("lambda:ListFunctions"))
    iam = server.client("iam")
    iam.delete_access_key(UserName=user, AccessKeyId=creds[0])
    with pytest.raises(ClientError) as refused:
        server.client("lambda", credentials=creds).list_functions()
    assert error(refused)[0] == "UnrecognizedClientException"
    assert iam.get_access_key_last_used(AccessKeyId=_admin_key(server))["UserName"] == (
        "stockade-admin"
    )


def _admin_key(server: RunningServer) -> str:
    return server.credentials()[0]


def test_group_policies_apply_to_members(server: RunningServer) -> None:
    iam = server.client("iam")
    user, creds = new_user(server)
    group = unique("group")
    iam.create_group(GroupName=group)
    iam.attach_group_policy(GroupName=group, PolicyArn=LAMBDA_READ_ONLY)
    lam = server.client("lambda", credentials=creds)
    with pytest.raises(ClientError):
        lam.list_functions()
    iam.add_user_to_group(GroupName=group, UserName=user)
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=user)["Groups"]] == [group]
    assert "Functions" in lam.list_functions()
    iam.remove_user_from_group(GroupName=group, UserName=user)
    with pytest.raises(ClientError):
        lam.list_functions()


def test_iam_errors_carry_the_models_codes(server: RunningServer) -> None:
    iam = server.client("iam")
    user, _ = new_user(server, allow("lambda:ListFunctions"))
    cases: list[tuple[Any, dict[str, Any], str, int]] = [
        (iam.create_user, {"UserName": user}, "EntityAlreadyExists", 409),
        (iam.get_user, {"UserName": unique("nobody")}, "NoSuchEntity", 404),
        (iam.delete_user, {"UserName": user}, "DeleteConflict", 409),
        (iam.put_user_policy, {"UserName": user, "PolicyName": "x", "PolicyDocument": "{}"},
         "MalformedPolicyDocument", 400),
        (iam.get_role, {"RoleName": unique("nobody")}, "NoSuchEntity", 404),
        (iam.attach_user_policy, {"UserName": user, "PolicyArn": "arn:aws:iam::aws:policy/Nope"},
         "PolicyNotAttachable", 400),
    ]  # fmt: skip
    for call, params, code, status in cases:
        with pytest.raises(ClientError) as failed:
            call(**params)
        assert error(failed)[::2] == (code, status), call


def test_managed_policies_have_versions_and_attach(server: RunningServer) -> None:
    iam = server.client("iam")
    fn = new_function(server)
    name = unique("policy")
    created = iam.create_policy(
        PolicyName=name, PolicyDocument=document(allow("lambda:ListFunctions"))
    )["Policy"]
    arn = created["Arn"]
    assert arn == f"arn:aws:iam::{server.account_id}:policy/{name}"
    user, creds = new_user(server)
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    lam = server.client("lambda", credentials=creds)
    assert "Functions" in lam.list_functions()
    with pytest.raises(ClientError):
        lam.get_function(FunctionName=fn)
    iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=document(allow("lambda:GetFunction")), SetAsDefault=True
    )
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == [
        "v1",
        "v2",
    ]
    assert (
        iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"][
            "Statement"
        ][0]["Action"]
        == "lambda:GetFunction"
    )
    assert lam.get_function(FunctionName=fn)["Configuration"]["FunctionName"] == fn
    with pytest.raises(ClientError) as in_use:
        iam.delete_policy(PolicyArn=arn)
    assert error(in_use)[0] == "DeleteConflict"
    attached = iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
    assert attached == [{"PolicyName": name, "PolicyArn": arn}]
    iam.detach_user_policy(UserName=user, PolicyArn=arn)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy(PolicyArn=arn)
    names = {p["PolicyName"] for p in iam.list_policies(Scope="AWS")["Policies"]}
    assert {"AWSLambdaBasicExecutionRole", "AWSLambda_FullAccess", "AWSLambda_ReadOnlyAccess",
            "AdministratorAccess"} <= names  # fmt: skip


def test_secrets_are_returned_once(server: RunningServer) -> None:
    iam = server.client("iam")
    user, creds = new_user(server)
    for listed in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        assert "SecretAccessKey" not in listed
    assert creds[1] not in server.log()
