"""IAM's own operations authorized as AWS does: on the entity's ARN with its path, with IAM's
condition keys, and refusing what Stockade would otherwise drop (boto3 against a server)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_iam import ADMIN, LAMBDA_READ_ONLY, allow, error, new_user, unique
from tests.integration.test_sts import session_client, trusted_role, user_arn
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def iam_arn(server: RunningServer, resource: str) -> str:
    return f"arn:aws:iam::{server.account_id}:{resource}"


def test_a_grant_on_a_path_covers_the_users_under_it_and_denials_name_the_path(
    server: RunningServer,
) -> None:
    admin = server.client("iam")
    inside, outside = unique("in"), unique("out")
    admin.create_user(UserName=inside, Path="/team/")
    admin.create_user(UserName=outside)
    _, creds = new_user(server, allow("iam:GetUser", iam_arn(server, "user/team/*")))
    iam = server.client("iam", credentials=creds)

    assert iam.get_user(UserName=inside)["User"]["Arn"] == iam_arn(server, f"user/team/{inside}")
    with pytest.raises(ClientError) as denied:
        iam.get_user(UserName=outside)
    code, message, status = error(denied)
    assert (code, status) == ("AccessDenied", 403)
    assert f"iam:GetUser on resource: {iam_arn(server, 'user/' + outside)} because" in message

    # A user that does not exist is authorized by its name: the grant does not cover it...
    with pytest.raises(ClientError) as unknown:
        iam.get_user(UserName=unique("ghost"))
    assert error(unknown)[0] == "AccessDenied"
    # ...while a caller allowed everywhere hears that it does not exist.
    ghost = unique("ghost")
    with pytest.raises(ClientError) as missing:
        admin.get_user(UserName=ghost)
    assert error(missing) == ("NoSuchEntity", f"The user with name {ghost} cannot be found.", 404)


def test_a_role_on_a_path_is_authorized_by_its_full_arn(server: RunningServer) -> None:
    admin = server.client("iam")
    role = unique("role")
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":' \
        '"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'  # fmt: skip
    admin.create_role(RoleName=role, Path="/svc/", AssumeRolePolicyDocument=trust)
    _, creds = new_user(server, allow("iam:GetRole", iam_arn(server, f"role/svc/{role}")),
                        allow("iam:DeleteRole", iam_arn(server, f"role/{role}")))  # fmt: skip
    iam = server.client("iam", credentials=creds)
    assert iam.get_role(RoleName=role)["Role"]["Path"] == "/svc/"
    with pytest.raises(ClientError) as denied:  # the name-only ARN is not the role's
        iam.delete_role(RoleName=role)
    assert iam_arn(server, f"role/svc/{role}") in error(denied)[1]


def test_attaching_is_conditioned_on_the_policy_arn(server: RunningServer) -> None:
    target, _ = new_user(server)
    condition = {"ArnEquals": {"iam:PolicyARN": LAMBDA_READ_ONLY}}
    _, creds = new_user(server, allow("iam:AttachUserPolicy", Condition=condition))
    iam = server.client("iam", credentials=creds)
    iam.attach_user_policy(UserName=target, PolicyArn=LAMBDA_READ_ONLY)
    with pytest.raises(ClientError) as denied:
        iam.attach_user_policy(UserName=target, PolicyArn=ADMIN)
    assert error(denied)[0] == "AccessDenied"
    attached = server.client("iam").list_attached_user_policies(UserName=target)
    assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [LAMBDA_READ_ONLY]


def test_creating_a_user_can_be_conditioned_on_its_permissions_boundary(
    server: RunningServer,
) -> None:
    condition = {"StringEquals": {"iam:PermissionsBoundary": LAMBDA_READ_ONLY}}
    _, creds = new_user(server, allow("iam:CreateUser", Condition=condition))
    iam = server.client("iam", credentials=creds)
    with pytest.raises(ClientError) as unbounded:
        iam.create_user(UserName=unique("free"))
    assert error(unbounded)[0] == "AccessDenied"
    bounded = iam.create_user(UserName=unique("bounded"), PermissionsBoundary=LAMBDA_READ_ONLY)
    assert bounded["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == LAMBDA_READ_ONLY


@pytest.mark.parametrize(
    ("call", "params"),
    [
        ("create_user", {"UserName": "tagged"}),
        ("create_role", {"RoleName": "tagged", "AssumeRolePolicyDocument": "{}"}),
        ("create_policy", {"PolicyName": "tagged", "PolicyDocument": "{}"}),
    ],
)
def test_tags_are_refused_rather_than_dropped(
    server: RunningServer, call: str, params: dict[str, Any]
) -> None:
    iam = server.client("iam")
    name = unique("tagged")
    given = {k: name if v == "tagged" else v for k, v in params.items()}
    with pytest.raises(ClientError) as refused:
        getattr(iam, call)(**given, Tags=[{"Key": "team", "Value": "a"}])
    code, message, status = error(refused)
    assert (code, status) == ("ValidationError", 400)
    assert message.startswith("Stockade does not support Tags in Create")


def test_a_role_session_must_name_the_user_it_asks_about(server: RunningServer) -> None:
    user, creds = new_user(server)
    role = trusted_role(server, user_arn(server, user))
    admin = server.client("iam")
    admin.put_role_policy(
        RoleName=role.rsplit("/", 1)[-1],
        PolicyName="read-users",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":"iam:GetUser","Resource":"*"}]}',
    )
    session = server.client("sts", credentials=creds).assume_role(
        RoleArn=role, RoleSessionName="session"
    )["Credentials"]
    iam = session_client(server, "iam", session)
    with pytest.raises(ClientError) as refused:
        iam.get_user()
    assert error(refused) == (
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
        400,
    )
    assert iam.get_user(UserName=user)["User"]["UserName"] == user


def test_a_constraint_failure_is_iams_validation_error(server: RunningServer) -> None:
    iam = server.client("iam", validate=False)
    with pytest.raises(ClientError) as refused:
        iam.create_user(UserName="no spaces allowed")
    code, message, status = error(refused)
    assert (code, status) == ("ValidationError", 400)
    assert message.startswith("1 validation error detected: Value 'no spaces allowed' at")
