"""Asynchronous invocation settings: retries, event age and destinations per qualifier."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import PYTHON_ECHO
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def create(server: RunningServer) -> str:
    name = f"eic-{uuid.uuid4().hex[:8]}"
    server.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": PYTHON_ECHO},
        Publish=True,
    )
    return name


def test_put_update_get_list_delete(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = create(server)
    queue = f"arn:aws:sqs:{server.region}:{server.account_id}:failures"
    put = lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue}},
    )
    assert put["FunctionArn"].endswith(f":function:{name}:$LATEST")
    assert put["MaximumRetryAttempts"] == 1
    assert put["DestinationConfig"]["OnFailure"]["Destination"] == queue
    updated = lam.update_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=120
    )
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (1, 120)
    lam.put_function_event_invoke_config(FunctionName=name, Qualifier="1", MaximumRetryAttempts=0)
    got = lam.get_function_event_invoke_config(FunctionName=name, Qualifier="1")
    assert got["MaximumRetryAttempts"] == 0
    # Lambda answers with both destinations, empty when unset (recorded AWS responses).
    assert got["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    listed = lam.list_function_event_invoke_configs(FunctionName=name)
    assert [c["FunctionArn"].rsplit(":", 1)[-1] for c in listed["FunctionEventInvokeConfigs"]] == [
        "$LATEST",
        "1",
    ]
    lam.delete_function_event_invoke_config(FunctionName=name, Qualifier="1")
    with pytest.raises(ClientError) as exc:
        lam.get_function_event_invoke_config(FunctionName=name, Qualifier="1")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        pytest.param({"MaximumRetryAttempts": 3}, "ValidationException", id="retries"),
        pytest.param({"MaximumEventAgeInSeconds": 59}, "ValidationException", id="age"),
        pytest.param(
            {
                "DestinationConfig": {
                    "OnSuccess": {"Destination": "arn:aws:sns:us-east-1:123456789012:topic"}
                }
            },
            "InvalidParameterValueException",
            id="sns-destination",
        ),
        pytest.param({"Qualifier": "7"}, "ResourceNotFoundException", id="missing-version"),
    ],
)
def test_invalid_settings_are_refused(
    server: RunningServer, change: dict[str, object], code: str
) -> None:
    lam = server.client("lambda", validate=False)
    name = create(server)
    with pytest.raises(ClientError) as exc:
        lam.put_function_event_invoke_config(FunctionName=name, **change)
    assert exc.value.response["Error"]["Code"] == code
