"""SQS over the AWS JSON protocol: boto3's sqs client and the `aws sqs` CLI against a server."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_accounts import create_account
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def unique(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_queue(sqs: Any, **attributes: str) -> str:
    url: str = sqs.create_queue(QueueName=unique(), Attributes=attributes)["QueueUrl"]
    return url


def new_user(server: RunningServer, *statements: dict[str, Any]) -> tuple[str, tuple[str, str]]:
    iam = server.client("iam")
    name = unique("user")
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(
            UserName=name,
            PolicyName="p",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
        )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, (key["AccessKeyId"], key["SecretAccessKey"])


def test_send_receive_delete_round_trip_with_attributes(server: RunningServer) -> None:
    sqs = server.client("sqs")
    url = new_queue(sqs)
    assert url == f"{server.url}/{server.account_id}/{url.rsplit('/', 1)[1]}"
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="héllo ✓",
        MessageAttributes={
            "colour": {"DataType": "String", "StringValue": "blue"},
            "n": {"DataType": "Number", "StringValue": "42"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    got = sqs.receive_message(
        QueueUrl=url,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
        MaxNumberOfMessages=10,
    )["Messages"]
    assert len(got) == 1
    message = got[0]
    assert message["Body"] == "héllo ✓"
    assert message["MessageId"] == sent["MessageId"]
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["MessageAttributes"]["raw"]["BinaryValue"] == b"\x00\x01"
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert int(message["Attributes"]["SentTimestamp"]) > 0
    assert int(message["Attributes"]["ApproximateFirstReceiveTimestamp"]) > 0
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_long_poll_returns_early_when_a_message_arrives(server: RunningServer) -> None:
    sqs = server.client("sqs")
    url = new_queue(sqs)
    late = server.client("sqs")
    threading.Timer(1.0, lambda: late.send_message(QueueUrl=url, MessageBody="late")).start()
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
    elapsed = time.monotonic() - started
    assert [m["Body"] for m in got] == ["late"]
    assert 0.8 < elapsed < 5


def test_many_long_polls_wait_at_once_without_holding_threads(server: RunningServer) -> None:
    sqs = server.client("sqs")
    url = new_queue(sqs)
    results: list[float] = []

    def poll() -> None:
        started = time.monotonic()
        server.client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=2)
        results.append(time.monotonic() - started)

    # More concurrent waiters than the server has worker threads (16).
    threads = [threading.Thread(target=poll) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 24
    assert max(results) < 5


def test_unacknowledged_message_is_redelivered_after_its_visibility_timeout(
    server: RunningServer,
) -> None:
    sqs = server.client("sqs")
    url = new_queue(sqs, VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    second = sqs.receive_message(
        QueueUrl=url, WaitTimeSeconds=5, MessageSystemAttributeNames=["ApproximateReceiveCount"]
    )["Messages"][0]
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    # The old receipt no longer controls the message: changing its visibility is refused.
    with pytest.raises(sqs.exceptions.MessageNotInflight):
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=10
        )
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0
    )
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["MessageId"] == first["MessageId"]


def test_message_moves_to_the_dead_letter_queue_after_max_receive_count(
    server: RunningServer,
) -> None:
    sqs = server.client("sqs")
    dlq = new_queue(sqs)
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url = new_queue(sqs, VisibilityTimeout="0", RedrivePolicy=policy)
    assert json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"][
            "RedrivePolicy"
        ]
    ) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    assert len(sqs.receive_message(QueueUrl=url)["Messages"]) == 1
    assert len(sqs.receive_message(QueueUrl=url)["Messages"]) == 1
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    moved = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert [m["Body"] for m in moved] == ["poison"]
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [url]


def test_batch_operations_report_each_entry(server: RunningServer) -> None:
    sqs = server.client("sqs")
    url = new_queue(sqs)
    sent = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "MessageBody": "one"},
            {"Id": "b", "MessageBody": "two", "DelaySeconds": 0},
            {"Id": "bad", "MessageBody": "x", "DelaySeconds": 901},
        ],
    )
    assert sorted(e["Id"] for e in sent["Successful"]) == ["a", "b"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in sent["Failed"]] == [
        ("bad", "InvalidParameterValue", True)
    ]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    changed = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[{"Id": f"m{i}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 60}
                 for i, m in enumerate(got)],
    )  # fmt: skip
    assert len(changed["Successful"]) == 2
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[
            *({"Id": f"m{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)),
            {"Id": "junk", "ReceiptHandle": "not-a-handle"},
        ],
    )
    assert sorted(e["Id"] for e in deleted["Successful"]) == ["m0", "m1"]
    assert [(f["Id"], f["Code"]) for f in deleted["Failed"]] == [("junk", "ReceiptHandleIsInvalid")]
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)]
        )
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "same", "MessageBody": "x"}] * 2)


def test_queue_admin_list_get_url_purge_and_delete(server: RunningServer) -> None:
    sqs = server.client("sqs")
    prefix = unique("list")
    urls = [sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(3)]
    assert sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"] == urls
    page = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
    assert page["QueueUrls"] == urls[:2]
    rest = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, NextToken=page["NextToken"])
    assert rest["QueueUrls"] == urls[2:]
    assert "NextToken" not in rest
    assert sqs.get_queue_url(QueueName=f"{prefix}-0")["QueueUrl"] == urls[0]
    # Creating again with the same attributes is idempotent; with different ones it is not.
    assert sqs.create_queue(QueueName=f"{prefix}-0")["QueueUrl"] == urls[0]
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName=f"{prefix}-0", Attributes={"VisibilityTimeout": "99"})
    sqs.send_message(QueueUrl=urls[0], MessageBody="x")
    sqs.purge_queue(QueueUrl=urls[0])
    assert "Messages" not in sqs.receive_message(QueueUrl=urls[0])
    sqs.set_queue_attributes(QueueUrl=urls[0], Attributes={"DelaySeconds": "5"})
    assert sqs.get_queue_attributes(QueueUrl=urls[0], AttributeNames=["DelaySeconds"])[
        "Attributes"
    ] == {"DelaySeconds": "5"}
    sqs.delete_queue(QueueUrl=urls[0])
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as missing:
        sqs.get_queue_url(QueueName=f"{prefix}-0")
    assert missing.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=urls[0], MessageBody="x")


def test_invalid_input_gets_sqs_errors(server: RunningServer) -> None:
    sqs = server.client("sqs")
    with pytest.raises(ClientError) as fifo:
        sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})
    assert fifo.value.response["Error"]["Code"] in (
        "InvalidParameterValue",
        "InvalidAttributeValue",
    )
    with pytest.raises(ClientError) as bad_name:
        sqs.create_queue(QueueName="has/slash")
    assert bad_name.value.response["Error"]["Code"] == "InvalidParameterValue"
    url = new_queue(sqs, MaximumMessageSize="1024")
    with pytest.raises(ClientError) as too_big:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1025)
    assert too_big.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true"})
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="nonsense")
    with pytest.raises(ClientError) as too_many:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert too_many.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_input_the_model_refuses_gets_sqs_validation_error(server: RunningServer) -> None:
    url = new_queue(server.client("sqs"))
    loose = server.client("sqs", validate=False)
    with pytest.raises(ClientError) as missing:
        loose.send_message(QueueUrl=url)
    error = missing.value.response["Error"]
    assert (error["Code"], error["QueryErrorCode"]) == ("ValidationError", "ValidationException")
    assert error["Message"] == (
        "1 validation error detected: Value null at 'messageBody' failed to satisfy constraint:"
        " Member must not be null"
    )
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_user_without_sqs_permissions_is_denied(server: RunningServer) -> None:
    url = new_queue(server.client("sqs"))
    _, creds = new_user(server)
    sqs = server.client("sqs", credentials=creds)
    for call in (
        lambda: sqs.send_message(QueueUrl=url, MessageBody="x"),
        lambda: sqs.receive_message(QueueUrl=url),
        sqs.list_queues,
        lambda: sqs.create_queue(QueueName=unique()),
    ):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_another_account_needs_a_queue_policy(server: RunningServer) -> None:
    sqs = server.client("sqs")
    url = new_queue(sqs)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    created = create_account(server, unique("tenant"))
    outsider = server.client(
        "sqs", credentials=(created["AccessKeyId"], created["SecretAccessKey"])
    )
    with pytest.raises(ClientError) as denied:
        outsider.send_message(QueueUrl=url, MessageBody="x")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sqs:SendMessage",
                            "Resource": arn,
                            "Principal": {"AWS": created["account_id"]},
                        }
                    ],
                }
            )
        },
    )
    outsider.send_message(QueueUrl=url, MessageBody="from afar")
    with pytest.raises(ClientError):
        outsider.receive_message(QueueUrl=url)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "from afar"


def test_aws_cli_sends_and_receives(server: RunningServer) -> None:
    url = new_queue(server.client("sqs"))

    def aws(*args: str) -> Any:
        done = subprocess.run(
            ["aws", "--endpoint-url", server.url, "--output", "json", "sqs", *args],
            env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    aws("send-message", "--queue-url", url, "--message-body", "from the cli")
    got = aws("receive-message", "--queue-url", url, "--wait-time-seconds", "1")
    assert got["Messages"][0]["Body"] == "from the cli"
    aws(
        "delete-message",
        "--queue-url",
        url,
        "--receipt-handle",
        got["Messages"][0]["ReceiptHandle"],
    )
