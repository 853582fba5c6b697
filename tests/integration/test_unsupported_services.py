"""A signed request for an AWS service this server does not serve is refused in that service's
own protocol (XML for S3 and CloudFormation; JSON for DynamoDB, Secrets Manager and
EventBridge), with a 501 `NotImplemented` naming the service: boto3 and the AWS CLI report it
as such, nobody is told "Missing Authentication Token", and the refusal is audited. EC2 is
served in part: its operations outside that part are refused the same way, in EC2's XML."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

CALLS: dict[str, Callable[[Any], object]] = {
    "s3": lambda client: client.list_buckets(),
    "cloudformation": lambda client: client.describe_stacks(),
    "dynamodb": lambda client: client.list_tables(),
    "sns": lambda client: client.list_topics(),
}


@pytest.mark.parametrize("service", sorted(CALLS))
def test_boto3_gets_not_implemented_naming_the_service(server: RunningServer, service: str) -> None:
    with pytest.raises(ClientError) as caught:
        CALLS[service](server.client(service))
    error = caught.value.response["Error"]
    assert error["Code"] == "NotImplemented"
    assert f"The {service} service" in error["Message"]
    assert "not supported by this server" in error["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert caught.value.response["ResponseMetadata"]["RequestId"]


def test_an_ec2_operation_not_served_is_not_implemented(server: RunningServer) -> None:
    with pytest.raises(ClientError) as caught:
        server.client("ec2").describe_instances()
    error = caught.value.response["Error"]
    assert error["Code"] == "NotImplemented"
    assert error["Message"] == "Stockade does not implement the ec2 operation DescribeInstances."
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_an_unknown_key_is_refused_in_the_service_protocol_too(server: RunningServer) -> None:
    client = server.client("s3", credentials=("AKIAUNKNOWNKEY000000", "not-a-secret"))
    with pytest.raises(ClientError) as caught:
        client.list_buckets()
    # S3 names authentication errors in its XML without the "Exception" suffix.
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.parametrize(
    ("args", "service"),
    [
        (["s3api", "list-buckets"], "s3"),
        (["cloudformation", "describe-stacks"], "cloudformation"),
        (["dynamodb", "list-tables"], "dynamodb"),
        (["sns", "list-topics"], "sns"),
    ],
)
def test_the_aws_cli_reports_the_service_as_not_supported(
    server: RunningServer, args: list[str], service: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--endpoint-url", server.url],
        env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "(NotImplemented)" in done.stderr
    assert f"The {service} service" in done.stderr
    assert "Missing Authentication Token" not in done.stderr


def test_refusals_are_audited_with_their_caller(server: RunningServer) -> None:
    with pytest.raises(ClientError) as caught:
        server.client("dynamodb").list_tables()
    request_id = caught.value.response["ResponseMetadata"]["RequestId"]
    trail = server.client("cloudtrail")
    source = {"AttributeKey": "EventSource", "AttributeValue": "dynamodb.amazonaws.com"}
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not found and time.monotonic() < deadline:
        events = trail.lookup_events(LookupAttributes=[source])["Events"]
        records = [json.loads(e["CloudTrailEvent"]) for e in events]
        found = [r for r in records if r["requestID"] == request_id]
        if not found:
            time.sleep(0.1)
    assert found, "the refused request left no audit record"
    record = found[0]
    assert record["errorCode"] == "NotImplemented"
    assert record["userIdentity"]["accountId"] == server.account_id
    assert "not supported by this server" in record["errorMessage"]
