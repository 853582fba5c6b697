"""An SQS message as the record Lambda hands a function, and as the filter criteria see it.

The record's shape is Lambda's (developer guide, with-sqs, "Example standard queue message
event"; recorded: test_sqs_event_source_mapping_update): messageId, receiptHandle, body,
attributes (ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp,
and AWSTraceHeader when the message has one), messageAttributes (stringValue / binaryValue in
base64, with the list members and dataType), md5OfMessageAttributes (null without attributes),
md5OfBody, eventSource "aws:sqs", eventSourceARN, awsRegion.
Filters see it through `domain/sqs_filtering.py`.
"""

from __future__ import annotations

import base64
from typing import Any

from stockade.services.sqs import message_attributes as attrs
from stockade.store.queue_ports import ReceivedMessage


def record(message: ReceivedMessage, queue_arn: str, region: str) -> dict[str, Any]:
    attributes, sender, trace = attrs.decode(message.attributes)
    system = {
        "ApproximateReceiveCount": str(message.receive_count),
        "SentTimestamp": str(message.sent_ms),
        "SenderId": sender,
        "ApproximateFirstReceiveTimestamp": str(message.first_received_ms),
    }
    if trace is not None:
        system["AWSTraceHeader"] = trace
    body = message.body.decode("utf-8", "replace")
    return {
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": body,
        "attributes": system,
        "messageAttributes": {name: _attribute(v) for name, v in attributes.items()},
        "md5OfMessageAttributes": attrs.md5_of_attributes(attributes) if attributes else None,
        "md5OfBody": attrs.md5_hex(message.body),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "BinaryValue" in value:
        shown["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    else:
        shown["stringValue"] = value["StringValue"]
    return shown
