"""Lambda's operations are recorded under CloudTrail's names for them (the operation's name
with the API version: CreateFunction20150331, GetFunction20150331v2, ...), and LookupEvents
finds them by those names. Source: AWS's "Logging AWS Lambda API calls using AWS CloudTrail"
and recorded CloudTrail events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("event-names") / "data") as running:
        yield running


def events_named(server: InProcessServer, name: str) -> list[dict[str, object]]:
    found = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}]
    )["Events"]
    return [json.loads(e["CloudTrailEvent"]) for e in found]


def test_lambda_calls_carry_cloudtrails_versioned_event_names(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name = f"named-{uuid.uuid4().hex[:8]}"
    created = lam.create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": PYTHON_ECHO},
    )  # fmt: skip
    arn = created["FunctionArn"]
    made = {
        "CreateFunction20150331": created,
        "GetFunction20150331v2": lam.get_function(FunctionName=name),
        "UpdateFunctionConfiguration20150331v2": lam.update_function_configuration(
            FunctionName=name, MemorySize=256
        ),
        "AddPermission20150331v2": lam.add_permission(
            FunctionName=name,
            StatementId="s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
        ),
        "TagResource20170331v2": lam.tag_resource(Resource=arn, Tags={"team": "a"}),
        "ListTags20170331": lam.list_tags(Resource=arn),
        "GetAccountSettings20160819": lam.get_account_settings(),
        "ListLayers20181031": lam.list_layers(),
        # Operations added since 2019 keep their own names.
        "GetFunctionCodeSigningConfig": lam.get_function_code_signing_config(FunctionName=name),
    }
    for event_name, reply in made.items():
        request_id = reply["ResponseMetadata"]["RequestId"]
        records = [r for r in events_named(server, event_name) if r["requestID"] == request_id]
        assert len(records) == 1, event_name
        assert records[0]["eventSource"] == "lambda.amazonaws.com"
    # The plain operation name is no CloudTrail name for these.
    assert events_named(server, "CreateFunction") == []


def test_a_refused_call_is_recorded_under_the_same_name(server: InProcessServer) -> None:
    lam = server.client("lambda")
    with pytest.raises(ClientError) as caught:
        lam.get_function_configuration(FunctionName=f"missing-{uuid.uuid4().hex[:8]}")
    request_id = caught.value.response["ResponseMetadata"]["RequestId"]
    [record] = [r for r in events_named(server, "GetFunctionConfiguration20150331v2")
                if r["requestID"] == request_id]  # fmt: skip
    assert record["errorCode"] == "ResourceNotFoundException"


def test_other_services_keep_their_operation_names(server: InProcessServer) -> None:
    reply = server.client("iam").list_users()
    request_id = reply["ResponseMetadata"]["RequestId"]
    assert [r["requestID"] for r in events_named(server, "ListUsers")].count(request_id) == 1
