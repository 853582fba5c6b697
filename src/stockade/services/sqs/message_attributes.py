"""Message bodies and attributes: SQS's checks, its MD5 digests and the stored encoding.

The MD5 of message attributes is SQS's: for each attribute sorted by name, the name, the data
type and the value, each as a 4-byte big-endian length and the bytes, with a transport byte
(1 string/number, 2 binary) before the value. Clients (the Java and .NET SDKs, some CLIs)
verify it, so it must be bit-exact.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from stockade.domain.trace import TraceContext
from stockade.services.sqs.errors import (
    InvalidMessageContentsError,
    InvalidParameterValueError,
)

MESSAGE_ATTRIBUTES_MAX = 10
_ALLOWED_TEXT = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
_DATA_TYPE = re.compile(r"(String|Number|Binary)(\.[A-Za-z0-9_.-]{1,245})?")


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def check_body(body: str) -> bytes:
    if not body:
        raise InvalidParameterValueError("The request must contain the parameter MessageBody.")
    if not _ALLOWED_TEXT.fullmatch(body):
        raise InvalidMessageContentsError(
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to"
            " #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
    return body.encode("utf-8")


def check_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> int:
    """Validate message attributes; returns the bytes they count towards the message size."""
    if len(attributes) > MESSAGE_ATTRIBUTES_MAX:
        raise InvalidParameterValueError(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum"
            f" [{MESSAGE_ATTRIBUTES_MAX}]."
        )
    size = 0
    for name, value in attributes.items():
        if (
            not _ATTRIBUTE_NAME.fullmatch(name)
            or name.startswith((".", "AWS.", "Amazon."))
            or name.endswith(".")
            or ".." in name
        ):
            raise InvalidParameterValueError(f"Message attribute name '{name[:256]}' is invalid.")
        data_type = value.get("DataType", "")
        if not _DATA_TYPE.fullmatch(data_type):
            raise InvalidParameterValueError(
                f"The type of message attribute '{name}' is invalid. You must use only the"
                " following supported type prefixes: Binary, Number, String."
            )
        binary = data_type.startswith("Binary")
        member = "BinaryValue" if binary else "StringValue"
        payload = value.get(member)
        if payload is None or len(payload) == 0:
            raise InvalidParameterValueError(
                f"Message attribute '{name}' must contain a non-empty value of type"
                f" '{data_type.split('.')[0]}'."
            )
        if not binary:
            check_text(payload, name)
        if data_type.startswith("Number") and not _is_number(payload):
            raise InvalidParameterValueError(
                f"Can't cast the value of message (user) attribute '{name}' to a number."
            )
        raw = payload if binary else payload.encode("utf-8")
        size += len(name.encode()) + len(data_type.encode()) + len(raw)
    return size


def check_text(value: str, name: str) -> None:
    if not _ALLOWED_TEXT.fullmatch(value):
        raise InvalidMessageContentsError(f"Message attribute '{name[:256]}' has invalid"
                                          " characters.")  # fmt: skip


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def md5_of_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        _put(digest, name.encode("utf-8"))
        _put(digest, data_type.encode("utf-8"))
        if value.get("BinaryValue") is not None:
            digest.update(b"\x02")
            _put(digest, bytes(value["BinaryValue"]))
        else:
            digest.update(b"\x01")
            _put(digest, str(value["StringValue"]).encode("utf-8"))
    return digest.hexdigest()


def _put(digest: Any, data: bytes) -> None:
    digest.update(len(data).to_bytes(4, "big"))
    digest.update(data)


def encode(
    attributes: Mapping[str, Mapping[str, Any]],
    sender_id: str,
    trace_header: str | None,
    host_trace: TraceContext | None = None,
) -> bytes:
    """What the engine stores next to the body (sealed with it). `host_trace`: the sending
    invocation's trace as the host records it (a message sent from inside a function), kept
    whole, lineage included, so an event source mapping counts the chain's hops from it."""
    stored = {
        name: {
            "DataType": v["DataType"],
            "BinaryValue": base64.b64encode(v["BinaryValue"]).decode(),
        }
        if v["DataType"].startswith("Binary")
        else {"DataType": v["DataType"], "StringValue": v["StringValue"]}
        for name, v in attributes.items()
    }
    document: dict[str, Any] = {"a": stored, "s": sender_id}
    if trace_header is not None:
        document["t"] = trace_header
    if host_trace is not None:
        document["h"] = host_trace.encode()
    return json.dumps(document, separators=(",", ":")).encode()


def host_trace(data: bytes) -> TraceContext | None:
    """The sending invocation's host-recorded trace, if a function sent the message; never
    anything a client wrote (those keep only the `AWSTraceHeader` they gave)."""
    if not data:
        return None
    raw = json.loads(data).get("h")
    if not isinstance(raw, dict):
        return None
    try:
        return TraceContext.decode(raw)
    except (KeyError, ValueError):
        return None


def decode(data: bytes) -> tuple[dict[str, dict[str, Any]], str, str | None]:
    """(message attributes, sender id, AWSTraceHeader) from the stored encoding."""
    if not data:
        return {}, "", None
    document = json.loads(data)
    attributes: dict[str, dict[str, Any]] = {}
    for name, value in document.get("a", {}).items():
        if "BinaryValue" in value:
            attributes[name] = {
                "DataType": value["DataType"],
                "BinaryValue": base64.b64decode(value["BinaryValue"]),
            }
        else:
            attributes[name] = {"DataType": value["DataType"], "StringValue": value["StringValue"]}
    return attributes, str(document.get("s", "")), document.get("t")


def select(attributes: Mapping[str, dict[str, Any]], names: list[str]) -> dict[str, dict[str, Any]]:
    """The attributes ReceiveMessage's MessageAttributeNames asks for."""
    if not names:
        return {}
    if "All" in names or ".*" in names:
        return dict(attributes)
    prefixes = tuple(n[:-2] + "." for n in names if n.endswith(".*"))
    exact = set(names)
    return {k: v for k, v in attributes.items() if k in exact or k.startswith(prefixes or ("\0",))}
