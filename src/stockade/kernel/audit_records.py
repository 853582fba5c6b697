"""Audit events for API requests: what the kernel knows, redacted by the service model.

Members whose shape the model marks `sensitive` (environment variable values, secret keys,
plaintexts, session tokens, ...) and every blob (zip files, payloads, ciphertexts) are replaced
with CloudTrail's placeholder; responses of read-only calls are not recorded (as CloudTrail).
Data events (Invoke, queue message operations) are recorded only when enabled.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from botocore.model import OperationModel, Shape

from stockade.audit.events import HIDDEN, AuditEvent, UserIdentity
from stockade.domain.identity import Principal

DATA_EVENTS: Mapping[str, frozenset[str]] = {
    "lambda": frozenset({"Invoke", "InvokeAsync", "InvokeWithResponseStream"}),
    "sqs": frozenset({
        "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage",
        "DeleteMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
    }),
}  # fmt: skip
_READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Lookup", "Filter")
# Hidden whatever a model says (defence in depth: a model may not mark every secret).
_ALWAYS_HIDDEN = frozenset(
    {"SecretAccessKey", "SessionToken", "Plaintext", "ZipFile", "Payload",
     "Detail",  # EventBridge's PutEvents entries: the event's payload
     "SecretString", "SecretBinary", "RandomPassword"}  # Secrets Manager's values
)  # fmt: skip
# Recorded as an empty object, as CloudTrail has recorded event source mappings' filter
# criteria since August 2024 (developer guide, invocation-eventfiltering): they may be
# encrypted under a customer key and must not leak through the trail.
_EMPTIED = frozenset({"FilterCriteria"})
_READ_ONLY: Mapping[str, frozenset[str]] = {
    "kms": frozenset(
        {"Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt"}
    ),
    "sqs": frozenset({"ReceiveMessage"}),
}
_DEPTH_MAX = 20


OPERATOR_EVENT_SOURCE = "operator.stockade"  # Stockade's own operator API is no AWS service


def event_source(service: str) -> str:
    return OPERATOR_EVENT_SOURCE if service == "stockade" else f"{service}.amazonaws.com"


def is_data_event(service: str, operation: str) -> bool:
    return operation in DATA_EVENTS.get(service, frozenset())


def is_read_only(service: str, operation: str) -> bool:
    return operation.startswith(_READ_ONLY_PREFIXES) or operation in _READ_ONLY.get(
        service, frozenset()
    )


def build_event(
    *,
    service: str,
    operation: OperationModel | None,
    principal: Principal | None,
    fallback_account: str,
    region: str,
    source_ip: str,
    user_agent: str,
    request_id: str,
    when: datetime,
    params: Mapping[str, Any] | None,
    result: Any,
    error_code: str | None,
    error_message: str | None,
    additional: Mapping[str, Any] | None = None,
    read_only: bool | None = None,
    data_event: bool | None = None,
    resources: Sequence[str] = (),
    event_name: str | None = None,
) -> AuditEvent:
    """`read_only` and `data_event` are the operation's declared classification (by name for
    requests that reached no declared operation); `event_name` is CloudTrail's name for it,
    where the service declares one other than the operation's."""
    name = operation.name if operation is not None else "Unknown"
    if read_only is None:
        read_only = is_read_only(service, name)
    if data_event is None:
        data_event = is_data_event(service, name)
    # As CloudTrail: read-only calls and data events record no response elements.
    shows_response = (
        operation is not None and error_code is None and not read_only
        and not data_event and isinstance(result, Mapping)
    )  # fmt: skip
    return AuditEvent(
        event_id=str(uuid.uuid4()),
        event_time=when,
        event_source=event_source(service),
        event_name=event_name or name,
        region=region,
        source_ip=source_ip,
        user_agent=user_agent[:1024],
        request_id=request_id,
        recipient_account_id=principal.account_id if principal is not None else fallback_account,
        user_identity=UserIdentity.of(principal) if principal is not None else None,
        read_only=read_only,
        management_event=not data_event,
        error_code=error_code,
        error_message=error_message,
        request_parameters=(
            redact(operation.input_shape, params)
            if operation is not None and params is not None
            else None
        ),
        response_elements=(
            redact(operation.output_shape, result)
            if shows_response and operation is not None
            else None
        ),
        additional_event_data=dict(additional) if additional else None,
        resources=tuple(resources),
    )


def redact(shape: Shape | None, value: Any, depth: int = 0) -> Any:
    """`value` with every sensitive member and blob replaced by CloudTrail's placeholder."""
    if value is None:
        return None
    if shape is None or depth > _DEPTH_MAX:
        return HIDDEN if isinstance(value, (bytes, bytearray)) else _plain(value)
    if shape.metadata.get("sensitive") or shape.type_name == "blob":
        return HIDDEN
    if isinstance(value, (bytes, bytearray)):
        return HIDDEN
    if shape.type_name == "structure" and isinstance(value, Mapping):
        members = getattr(shape, "members", {})
        return {
            k: HIDDEN if k in _ALWAYS_HIDDEN
            else {} if k in _EMPTIED
            else redact(members.get(k), v, depth + 1)
            for k, v in value.items()
            if not str(k).startswith("_")
        }  # fmt: skip
    if shape.type_name == "list" and isinstance(value, (list, tuple)):
        member = getattr(shape, "member", None)
        return [redact(member, v, depth + 1) for v in value]
    if shape.type_name == "map" and isinstance(value, Mapping):
        key_shape = getattr(shape, "key", None)
        value_shape = getattr(shape, "value", None)
        return {
            (HIDDEN if key_shape is not None and key_shape.metadata.get("sensitive") else k):
            redact(value_shape, v, depth + 1) for k, v in value.items()
        }  # fmt: skip
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return HIDDEN
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)
