"""Lambda resource policies as documents: PutResourcePolicy, GetResourcePolicy,
DeleteResourcePolicy (botocore's lambda model), on the same stored policy as AddPermission,
RemovePermission and GetPolicy (one RevisionId), evaluated by the policy engine: a document
granting another account lambda:InvokeFunction lets it invoke, and deleting it refuses again."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.services.identity import Identities
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("resource-policies") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def other(server: InProcessServer) -> tuple[str, tuple[str, str]]:
    """A second account and its administrator's credentials."""
    assert server.built is not None
    created = Identities(server.built.store, server.clock).create_account("tenant-b")
    return created.account.account_id, (created.access_key_id, created.secret_access_key)


def new_function(server: InProcessServer) -> str:
    name = f"rp-{uuid.uuid4().hex[:8]}"
    reply = server.client("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": PYTHON_ECHO},
    )  # fmt: skip
    return str(reply["FunctionArn"])


def document(*statements: dict[str, Any], policy_id: str = "mine") -> str:
    return json.dumps({"Version": "2012-10-17", "Id": policy_id, "Statement": list(statements)})


def grant(principal: Any, resource: str, sid: str = "grant", **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": principal,
            "Action": "lambda:InvokeFunction", "Resource": resource, **extra}  # fmt: skip


def error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = caught.value.response
    return str(response["Error"]["Code"]), int(response["ResponseMetadata"]["HTTPStatusCode"])


def test_put_get_delete_round_trip(server: InProcessServer) -> None:
    lam = server.client("lambda")
    arn = new_function(server)
    with pytest.raises(ClientError) as caught:
        lam.get_resource_policy(ResourceArn=arn)
    assert error(caught) == ("ResourceNotFoundException", 404)
    text = document(grant({"Service": "s3.amazonaws.com"}, arn))
    put = lam.put_resource_policy(ResourceArn=arn, Policy=text)
    assert json.loads(put["Policy"]) == json.loads(text)
    got = lam.get_resource_policy(ResourceArn=arn)
    assert (got["Policy"], got["RevisionId"]) == (put["Policy"], put["RevisionId"])
    lam.delete_resource_policy(ResourceArn=arn, RevisionId=got["RevisionId"])
    with pytest.raises(ClientError) as caught:
        lam.get_resource_policy(ResourceArn=arn)
    assert error(caught) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as caught:
        lam.delete_resource_policy(ResourceArn=arn)
    assert error(caught) == ("ResourceNotFoundException", 404)


def test_the_same_policy_as_add_permission_and_get_policy(server: InProcessServer) -> None:
    lam = server.client("lambda")
    arn = new_function(server)
    name = arn.rsplit(":", 1)[-1]
    lam.add_permission(FunctionName=name, StatementId="from-s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")  # fmt: skip
    seen = lam.get_resource_policy(ResourceArn=arn)
    written = lam.get_policy(FunctionName=name)
    assert (seen["Policy"], seen["RevisionId"]) == (written["Policy"], written["RevisionId"])
    # Put replaces what AddPermission wrote; AddPermission then adds to what Put wrote.
    put = lam.put_resource_policy(
        ResourceArn=arn, RevisionId=seen["RevisionId"],
        Policy=document(grant({"Service": "sns.amazonaws.com"}, arn, sid="from-sns")),
    )  # fmt: skip
    lam.add_permission(FunctionName=name, StatementId="from-sqs", Action="lambda:InvokeFunction",
                       Principal="sqs.amazonaws.com", RevisionId=put["RevisionId"])  # fmt: skip
    statements = json.loads(lam.get_resource_policy(ResourceArn=arn)["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["from-sns", "from-sqs"]
    lam.remove_permission(FunctionName=name, StatementId="from-sns")
    final = lam.get_resource_policy(ResourceArn=arn)
    assert json.loads(final["Policy"])["Id"] == "mine"  # the document's own Id is kept
    assert [s["Sid"] for s in json.loads(final["Policy"])["Statement"]] == ["from-sqs"]
    assert final["RevisionId"] == lam.get_policy(FunctionName=name)["RevisionId"]


def test_revision_ids_are_checked(server: InProcessServer) -> None:
    lam = server.client("lambda")
    arn = new_function(server)
    put = lam.put_resource_policy(ResourceArn=arn, Policy=document(grant("*", arn, Condition={
        "StringEquals": {"AWS:SourceAccount": server.account_id}})))  # fmt: skip
    stale = str(uuid.uuid4())
    with pytest.raises(ClientError) as caught:
        lam.put_resource_policy(ResourceArn=arn, Policy=document(grant("*", arn)),
                                RevisionId=stale)  # fmt: skip
    assert error(caught) == ("PreconditionFailedException", 412)
    with pytest.raises(ClientError) as caught:
        lam.delete_resource_policy(ResourceArn=arn, RevisionId=stale)
    assert error(caught) == ("PreconditionFailedException", 412)
    assert lam.get_resource_policy(ResourceArn=arn)["RevisionId"] == put["RevisionId"]


def test_versions_and_aliases_have_their_own_policies(server: InProcessServer) -> None:
    lam = server.client("lambda")
    arn = new_function(server)
    name = arn.rsplit(":", 1)[-1]
    version = lam.publish_version(FunctionName=name)["Version"]
    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)["AliasArn"]
    lam.put_resource_policy(ResourceArn=alias, Policy=document(grant("*", alias, Condition={
        "StringEquals": {"AWS:SourceAccount": server.account_id}})))  # fmt: skip
    assert lam.get_policy(FunctionName=name, Qualifier="live")["Policy"] == (
        lam.get_resource_policy(ResourceArn=alias)["Policy"])  # fmt: skip
    with pytest.raises(ClientError) as caught:
        lam.get_resource_policy(ResourceArn=arn)
    assert error(caught)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as caught:
        lam.put_resource_policy(ResourceArn=f"{arn}:$LATEST", Policy=document(grant("*", arn)))
    assert error(caught) == ("InvalidParameterValueException", 400)
    with pytest.raises(ClientError) as caught:
        lam.get_resource_policy(ResourceArn=f"{arn}:nope")
    assert error(caught)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize(
    "change",
    [
        lambda arn: "not json",
        lambda arn: json.dumps([]),
        lambda arn: document(),
        lambda arn: document(grant({"Federated": "cognito-identity.amazonaws.com"}, arn)),
        lambda arn: document(grant({"AWS": "not-an-account"}, arn)),
        lambda arn: document({**grant("*", arn), "Action": "s3:GetObject"}),
        lambda arn: document(grant("*", arn.replace(":function:", ":function:other-"))),
        lambda arn: document(
            {
                "Sid": "x",
                "Effect": "Allow",
                "NotPrincipal": {"AWS": "*"},
                "Action": "lambda:InvokeFunction",
                "Resource": arn,
            }
        ),
        lambda arn: document(grant("*", arn, sid="same"), grant("*", arn, sid="same")),
        lambda arn: document({**grant("*", arn), "Effect": "Maybe"}),
        lambda arn: document(grant("*", arn, Condition={"NoSuchOperator": {"a": "b"}})),
        lambda arn: json.dumps({"Version": "2099-01-01", "Statement": [grant("*", arn)]}),
    ],
)
def test_documents_lambda_would_not_write_are_refused(server: InProcessServer, change: Any) -> None:
    lam = server.client("lambda")
    arn = new_function(server)
    kept = lam.put_resource_policy(ResourceArn=arn, Policy=document(grant(
        {"Service": "s3.amazonaws.com"}, arn)))  # fmt: skip
    with pytest.raises(ClientError) as caught:
        lam.put_resource_policy(ResourceArn=arn, Policy=change(arn))
    assert error(caught) == ("InvalidParameterValueException", 400)
    assert lam.get_resource_policy(ResourceArn=arn)["RevisionId"] == kept["RevisionId"]


def test_too_long_a_policy_and_bad_arns(server: InProcessServer) -> None:
    lam = server.client("lambda", validate=False)
    arn = new_function(server)
    many = [grant({"AWS": f"{100000000000 + i}"}, arn, sid=f"s{i}") for i in range(200)]
    assert len(document(*many)) > 20480  # the model's bound on Policy
    with pytest.raises(ClientError) as caught:
        lam.put_resource_policy(ResourceArn=arn, Policy=document(*many))
    assert error(caught) == ("ValidationException", 400)
    for bad in (arn.rsplit(":", 1)[-1], f"arn:aws:lambda:us-east-1:{server.account_id}:layer:x"):
        with pytest.raises(ClientError) as caught:
            lam.get_resource_policy(ResourceArn=bad)
        assert error(caught)[1] == 400


def test_a_put_grant_lets_another_account_invoke_until_deleted(
    server: InProcessServer, other: tuple[str, tuple[str, str]]
) -> None:
    account, credentials = other
    arn = new_function(server)
    theirs = server.client("lambda", credentials)
    with pytest.raises(ClientError) as caught:
        theirs.invoke(FunctionName=arn, Payload=b"{}")
    assert error(caught) == ("AccessDeniedException", 403)
    lam = server.client("lambda")
    put = lam.put_resource_policy(ResourceArn=arn, Policy=document(grant({"AWS": account}, arn)))
    assert theirs.invoke(FunctionName=arn, Payload=b"{}")["StatusCode"] == 200
    with pytest.raises(ClientError) as caught:  # the grant is for invoking only
        theirs.get_function(FunctionName=arn)
    assert error(caught) == ("AccessDeniedException", 403)
    lam.delete_resource_policy(ResourceArn=arn, RevisionId=put["RevisionId"])
    with pytest.raises(ClientError) as caught:
        theirs.invoke(FunctionName=arn, Payload=b"{}")
    assert error(caught) == ("AccessDeniedException", 403)


def test_a_deny_in_the_document_wins(
    server: InProcessServer, other: tuple[str, tuple[str, str]]
) -> None:
    account, credentials = other
    arn = new_function(server)
    server.client("lambda").put_resource_policy(ResourceArn=arn, Policy=document(
        grant({"AWS": account}, arn),
        {"Sid": "no", "Effect": "Deny", "Principal": {"AWS": account},
         "Action": "lambda:InvokeFunction", "Resource": arn},
    ))  # fmt: skip
    with pytest.raises(ClientError) as caught:
        server.client("lambda", credentials).invoke(FunctionName=arn, Payload=b"{}")
    assert error(caught) == ("AccessDeniedException", 403)


def test_managing_the_policy_needs_its_own_actions(server: InProcessServer) -> None:
    arn = new_function(server)
    iam = server.client("iam")
    user = f"rp-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="get-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["lambda:GetResourcePolicy", "lambda:GetPolicy"],
             "Resource": "*"}]}))  # fmt: skip
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = server.client("lambda", (key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(ClientError) as caught:
        as_user.put_resource_policy(ResourceArn=arn, Policy=document(grant("*", arn)))
    assert error(caught) == ("AccessDeniedException", 403)
    assert "lambda:PutResourcePolicy" in caught.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as caught:
        as_user.get_resource_policy(ResourceArn=arn)
    assert error(caught)[0] == "ResourceNotFoundException"  # allowed: there is none yet


def test_the_actions_add_permission_accepts_are_accepted(server: InProcessServer) -> None:
    lam = server.client("lambda")
    arn = new_function(server)
    for action in ("*", "lambda:*", ["lambda:InvokeFunction", "lambda:GetFunction"]):
        statement = {**grant({"AWS": server.account_id}, arn), "Action": action}
        put = lam.put_resource_policy(ResourceArn=arn, Policy=document(statement))
        assert json.loads(put["Policy"])["Statement"][0]["Action"] == action
