"""Queue names, URLs, ARNs and attributes: SQS's strings to engine settings and back."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from stockade import policy
from stockade.policy import AttachedPolicy, PolicyKind
from stockade.services.sqs.errors import (
    InvalidAddressError,
    InvalidAttributeNameError,
    InvalidAttributeValueError,
    InvalidParameterValueError,
)
from stockade.store.queue_ports import (
    DELAY_MAX_S,
    MAX_RECEIVE_COUNT_MAX,
    MESSAGE_BYTES_MAX,
    MESSAGE_BYTES_MIN,
    RETENTION_MAX_S,
    RETENTION_MIN_S,
    VISIBILITY_TIMEOUT_MAX_S,
    WAIT_MAX_S,
    QueueCounts,
    QueueId,
    QueueInfo,
    QueueSettings,
    RedrivePolicy,
)
from stockade.types import ascii_digits

_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_ACCOUNT = re.compile(r"\d{12}")
SETTABLE = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "Policy",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "RedrivePolicy",
    "FifoQueue",
    "SqsManagedSseEnabled",
)
READABLE = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "Policy",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
)
_RANGES = {
    "DelaySeconds": (0, DELAY_MAX_S),
    "MaximumMessageSize": (MESSAGE_BYTES_MIN, MESSAGE_BYTES_MAX),
    "MessageRetentionPeriod": (RETENTION_MIN_S, RETENTION_MAX_S),
    "ReceiveMessageWaitTimeSeconds": (0, WAIT_MAX_S),
    "VisibilityTimeout": (0, VISIBILITY_TIMEOUT_MAX_S),
}
_FIELDS = {
    "DelaySeconds": "delay_s",
    "MaximumMessageSize": "max_message_bytes",
    "MessageRetentionPeriod": "retention_s",
    "ReceiveMessageWaitTimeSeconds": "receive_wait_s",
    "VisibilityTimeout": "visibility_timeout_s",
}


def check_public_name(name: str) -> None:
    if name.endswith(".fifo"):
        raise InvalidParameterValueError("Stockade does not support FIFO queues.")
    if not _NAME.fullmatch(name):
        raise InvalidParameterValueError(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        )


def is_public_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None


def queue_arn(region: str, queue_id: QueueId) -> str:
    return f"arn:aws:sqs:{region}:{queue_id.account_id}:{queue_id.name}"


def queue_url(base_url: str, queue_id: QueueId) -> str:
    return f"{base_url.rstrip('/')}/{queue_id.account_id}/{queue_id.name}"


def parse_queue_url(url: str) -> QueueId:
    """The queue a URL names: `<any base>/<account>/<name>`; only public names."""
    path = url.split("://", 1)[-1].split("?", 1)[0]
    parts = path.rstrip("/").split("/")
    if len(parts) < 3 or not _ACCOUNT.fullmatch(parts[-2]) or not _NAME.fullmatch(parts[-1]):
        raise InvalidAddressError(f"The address {url[:256]} is not valid for this endpoint.")
    return QueueId(parts[-2], parts[-1])


def parse_queue_arn(arn: str, region: str) -> QueueId | None:
    parts = arn.split(":")
    if (
        len(parts) != 6
        or parts[:3] != ["arn", "aws", "sqs"]
        or parts[3] != region
        or not _ACCOUNT.fullmatch(parts[4])
        or not _NAME.fullmatch(parts[5])
    ):
        return None
    return QueueId(parts[4], parts[5])


@lru_cache(maxsize=1024)
def resource_policy(arn: str, text: str) -> AttachedPolicy:
    """A queue's stored policy for the IAM engine (stored text always parses)."""
    return AttachedPolicy(arn, policy.parse_policy(text, PolicyKind.RESOURCE))


def apply(
    settings: QueueSettings, attributes: Mapping[str, str], owner: QueueId, region: str
) -> QueueSettings:
    """`settings` with SQS attributes applied; InvalidAttributeName/Value on bad input. The
    dead-letter target's existence is the caller's to check."""
    for name, text in attributes.items():
        if name not in SETTABLE:
            raise InvalidAttributeNameError(f"Unknown Attribute {name[:100]}.")
        if name in _RANGES:
            low, high = _RANGES[name]
            if not ascii_digits(text) or not low <= int(text) <= high:
                raise _invalid(name, text)
            fields: dict[str, Any] = {_FIELDS[name]: int(text)}
            settings = replace(settings, **fields)
        elif name == "Policy":
            settings = replace(settings, policy=_policy(text))
        elif name == "RedrivePolicy":
            settings = replace(settings, redrive=_redrive(text, owner, region))
        elif name == "FifoQueue":
            if text.lower() != "false":
                raise InvalidAttributeValueError("Stockade does not support FIFO queues.")
        elif text.lower() not in ("true", "false"):  # SqsManagedSseEnabled
            raise _invalid(name, text)
    return settings


def _invalid(name: str, text: str) -> InvalidAttributeValueError:
    return InvalidAttributeValueError(f"Invalid value for the parameter {name}.")


def _policy(text: str) -> str | None:
    if not text.strip():
        return None
    try:
        policy.parse_policy(text, PolicyKind.RESOURCE)
    except policy.MalformedPolicyDocumentError as exc:
        raise InvalidAttributeValueError(
            f"Invalid value for the parameter Policy. Reason: {exc.message}"
        ) from exc
    return text


def _redrive(text: str, owner: QueueId, region: str) -> RedrivePolicy | None:
    if not text.strip():
        return None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise _invalid("RedrivePolicy", text) from exc
    if not isinstance(document, dict):
        raise _invalid("RedrivePolicy", text)
    target = document.get("deadLetterTargetArn")
    count = document.get("maxReceiveCount")
    if isinstance(count, str) and ascii_digits(count):
        count = int(count)
    reason = None
    if not isinstance(target, str) or parse_queue_arn(target, region) is None:
        reason = "Invalid value for deadLetterTargetArn."
    elif isinstance(count, bool) or not isinstance(count, int):
        reason = "Redrive policy does not contain mandatory attribute: maxReceiveCount."
    elif not 1 <= count <= MAX_RECEIVE_COUNT_MAX:
        reason = f"Invalid value for maxReceiveCount: {count}, valid values are from 1 to 1000."
    if reason is not None:
        raise InvalidParameterValueError(
            f"Value {text[:512]} for parameter RedrivePolicy is invalid. Reason: {reason}"
        )
    dlq = parse_queue_arn(str(target), region)
    if dlq is None or not isinstance(count, int):  # pragma: no cover - checked above
        raise _invalid("RedrivePolicy", text)
    if dlq.account_id != owner.account_id:
        raise InvalidParameterValueError(
            f"Value {text[:512]} for parameter RedrivePolicy is invalid. Reason: the dead-letter"
            " queue must be in the same account."
        )
    return RedrivePolicy(dlq, count)


def render(info: QueueInfo, counts: QueueCounts, region: str, names: set[str]) -> dict[str, str]:
    """The requested attributes (`names` already expanded from "All")."""
    s = info.settings
    every: dict[str, str | None] = {
        "ApproximateNumberOfMessages": str(counts.visible),
        "ApproximateNumberOfMessagesNotVisible": str(counts.in_flight),
        "ApproximateNumberOfMessagesDelayed": str(counts.delayed),
        "CreatedTimestamp": str(info.created_ms // 1000),
        "LastModifiedTimestamp": str(info.modified_ms // 1000),
        "QueueArn": queue_arn(region, info.queue_id),
        "DelaySeconds": str(s.delay_s),
        "MaximumMessageSize": str(s.max_message_bytes),
        "MessageRetentionPeriod": str(s.retention_s),
        "Policy": s.policy,
        "ReceiveMessageWaitTimeSeconds": str(s.receive_wait_s),
        "VisibilityTimeout": str(s.visibility_timeout_s),
        "RedrivePolicy": None
        if s.redrive is None
        else json.dumps(
            {
                "deadLetterTargetArn": queue_arn(region, s.redrive.dead_letter_queue),
                "maxReceiveCount": s.redrive.max_receive_count,
            }
        ),
        "SqsManagedSseEnabled": "false",
    }
    return {k: v for k, v in every.items() if k in names and v is not None}


def requested(names: list[str]) -> set[str]:
    if "All" in names:
        return set(READABLE)
    for name in names:
        if name not in READABLE:
            raise InvalidAttributeNameError(f"Unknown Attribute {name[:100]}.")
    return set(names)
