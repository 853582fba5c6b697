"""AWS managed policies carry AWS's own documents, paths and versions, and the policy engine
evaluates them for real: what ReadOnlyAccess, ViewOnlyAccess, PowerUserAccess or a service
policy allows is what its document says (AWS managed policy reference)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError

from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO

AWS = "arn:aws:iam::aws:policy/"
SERVED = {
    "AdministratorAccess": "/", "ReadOnlyAccess": "/", "PowerUserAccess": "/",
    "ViewOnlyAccess": "/job-function/", "AWSLambdaBasicExecutionRole": "/service-role/",
    "AWSLambdaVPCAccessExecutionRole": "/service-role/",
    "AWSLambdaSQSQueueExecutionRole": "/service-role/", "AWSLambdaRole": "/service-role/",
    "AWSLambda_FullAccess": "/", "AWSLambda_ReadOnlyAccess": "/", "AmazonSQSFullAccess": "/",
    "AmazonSQSReadOnlyAccess": "/", "AWSKeyManagementServicePowerUser": "/",
    "CloudWatchLogsFullAccess": "/", "CloudWatchLogsReadOnlyAccess": "/",
    "AWSCloudTrail_FullAccess": "/", "AWSCloudTrail_ReadOnlyAccess": "/",
}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("managed") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def function(server: InProcessServer) -> str:
    name = f"managed-{uuid.uuid4().hex[:8]}"
    server.client("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": PYTHON_ECHO},
    )  # fmt: skip
    return name


def arn_of(name: str) -> str:
    return f"{AWS}{SERVED[name].lstrip('/')}{name}"


def user_with(server: InProcessServer, policy: str) -> tuple[str, str]:
    iam = server.client("iam")
    user = f"managed-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    iam.attach_user_policy(UserName=user, PolicyArn=arn_of(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def denied(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return str(caught.value.response["Error"]["Code"])


def test_every_policy_is_listed_with_its_path_and_version(server: InProcessServer) -> None:
    iam = server.client("iam")
    listed = iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]
    by_name = {p["PolicyName"]: p for p in listed}
    assert set(SERVED) <= set(by_name)
    for name, path in SERVED.items():
        shown = by_name[name]
        assert (shown["Arn"], shown["Path"]) == (arn_of(name), path)
        assert shown["PolicyId"].startswith("ANPA")
        assert len(shown["PolicyId"]) == 21
        assert shown["UpdateDate"] >= shown["CreateDate"]
        assert iam.get_policy(PolicyArn=shown["Arn"])["Policy"] == shown
    jobs = iam.list_policies(Scope="AWS", PathPrefix="/job-function/")["Policies"]
    assert [p["PolicyName"] for p in jobs] == ["ViewOnlyAccess"]
    assert by_name["AWSLambdaBasicExecutionRole"]["PolicyId"] == "ANPAJNCQGXC42545SKXIK"


def test_the_default_version_is_awss_document(server: InProcessServer) -> None:
    iam = server.client("iam")
    arn = arn_of("ReadOnlyAccess")
    default = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    assert default != "v1"  # ReadOnlyAccess has been revised many times
    version = iam.get_policy_version(PolicyArn=arn, VersionId=default)["PolicyVersion"]
    document = json.loads(unquote(version["Document"])) if isinstance(
        version["Document"], str) else version["Document"]  # fmt: skip
    actions = {a for s in document["Statement"] for a in s.get("Action", [])}
    assert {"lambda:Get*", "lambda:List*", "sqs:List*"} <= actions
    assert len(actions) > 500  # the real document, not a summary
    assert version["IsDefaultVersion"] is True
    assert denied(iam.get_policy_version, PolicyArn=arn, VersionId="v1") == "NoSuchEntity"
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == [default]


def test_read_only_access_reads_and_writes_nothing(server: InProcessServer, function: str) -> None:
    creds = user_with(server, "ReadOnlyAccess")
    lam = server.client("lambda", creds)
    assert lam.get_function(FunctionName=function)["Configuration"]["FunctionName"] == function
    lam.list_functions()
    assert denied(lam.create_function, FunctionName=f"ro-{uuid.uuid4().hex[:6]}",
                  Runtime="python3.11", Handler="app.handler", Code={"ZipFile": PYTHON_ECHO},
                  Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                  ) == "AccessDeniedException"  # fmt: skip
    assert denied(lam.delete_function, FunctionName=function) == "AccessDeniedException"
    sqs = server.client("sqs", creds)
    sqs.list_queues()
    assert denied(sqs.create_queue, QueueName=f"ro-{uuid.uuid4().hex[:6]}") == "AccessDenied"


def test_view_only_access_lists_but_does_not_read(server: InProcessServer, function: str) -> None:
    lam = server.client("lambda", user_with(server, "ViewOnlyAccess"))
    assert function in {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    assert denied(lam.get_function, FunctionName=function) == "AccessDeniedException"


def test_power_user_access_is_everything_but_iam(server: InProcessServer) -> None:
    creds = user_with(server, "PowerUserAccess")
    server.client("kms", creds).create_key()
    server.client("sqs", creds).create_queue(QueueName=f"pu-{uuid.uuid4().hex[:6]}")
    iam = server.client("iam", creds)
    assert denied(iam.create_user, UserName=f"pu-{uuid.uuid4().hex[:6]}") == "AccessDenied"


def test_service_policies_allow_what_their_documents_say(
    server: InProcessServer, function: str
) -> None:
    invoker = server.client("lambda", user_with(server, "AWSLambdaRole"))
    assert invoker.invoke(FunctionName=function, Payload=b"{}")["StatusCode"] == 200
    assert denied(invoker.get_function, FunctionName=function) == "AccessDeniedException"
    reader = server.client("lambda", user_with(server, "AWSLambda_ReadOnlyAccess"))
    reader.get_function(FunctionName=function)
    assert denied(reader.delete_function, FunctionName=function) == "AccessDeniedException"
    queues = server.client("sqs", user_with(server, "AmazonSQSFullAccess"))
    queues.create_queue(QueueName=f"full-{uuid.uuid4().hex[:6]}")
    keys = server.client("kms", user_with(server, "AWSKeyManagementServicePowerUser"))
    keys.create_key()
    trail = server.client("cloudtrail", user_with(server, "AWSCloudTrail_ReadOnlyAccess"))
    trail.lookup_events(MaxResults=1)


def test_every_document_parses_as_an_identity_policy() -> None:
    from stockade.kernel.authorizer import parse_identity_policy
    from stockade.services.iam.managed import AWS_MANAGED

    for arn, managed in AWS_MANAGED.items():
        parsed = parse_identity_policy(managed.document)
        assert parsed.statements, arn
