"""Messages on a queue: send, receive, delete and change visibility, singly and in batches.

Each handler runs after its operation's needs were allowed (batches as their single-entry
action). Batch entries fail one by one with SQS's legacy codes in `Failed`; the request fails
as a whole only for what SQS refuses whole (an empty or oversized batch, repeated ids).
ReceiveMessage is a coroutine: a long poll waits on the event loop, not on a server thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from stockade.services.context import RequestContext
from stockade.services.sqs import message_attributes as attrs
from stockade.services.sqs.errors import (
    BatchEntryIdsNotDistinctError,
    BatchRequestTooLongError,
    EmptyBatchRequestError,
    InvalidAttributeNameError,
    InvalidBatchEntryIdError,
    InvalidParameterValueError,
    MessageNotInflightError,
    ReceiptHandleIsInvalidError,
    SqsError,
    TooManyEntriesInBatchRequestError,
)
from stockade.services.sqs.scope import existing_queue, no_queue
from stockade.services.sqs.trace_header import stored_trace_header
from stockade.shapes import sqs as shapes
from stockade.store.queue_ports import (
    MESSAGE_BYTES_MAX,
    VISIBILITY_TIMEOUT_MAX_S,
    WAIT_MAX_S,
    MessageNotInFlightError,
    OutgoingMessage,
    QueueEngine,
    QueueEngineError,
    QueueInfo,
    QueueNotFoundError,
    ReceiptHandleInvalidError,
    ReceivedMessage,
)

BATCH_MAX = 10
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_SYSTEM_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
)
_OTHER_SYSTEM_ATTRIBUTES = (
    "SequenceNumber", "MessageDeduplicationId", "MessageGroupId", "SqsManagedSseEnabled",
    "DeadLetterQueueSourceArn",
)  # fmt: skip


class QueueMessages:
    def __init__(self, engine: QueueEngine) -> None:
        self._engine = engine

    # -- sending -----------------------------------------------------------------------------
    def send_message(
        self, ctx: RequestContext, request: shapes.SendMessageRequest
    ) -> shapes.SendMessageResult:
        info = existing_queue(self._engine, request["QueueUrl"])
        outgoing, digests = _outgoing(ctx, info, request)
        (message_id,) = self._send(info, [outgoing])
        return cast(shapes.SendMessageResult, digests.members(MessageId=message_id))

    def send_message_batch(
        self, ctx: RequestContext, request: shapes.SendMessageBatchRequest
    ) -> shapes.SendMessageBatchResult:
        info = existing_queue(self._engine, request["QueueUrl"])
        entries = request["Entries"]
        _check_batch(entries)
        total = sum(len(e["MessageBody"].encode()) for e in entries)
        if total > MESSAGE_BYTES_MAX:
            raise BatchRequestTooLongError(
                f"Batch requests cannot be longer than {MESSAGE_BYTES_MAX} bytes. You have sent"
                f" {total} bytes."
            )
        accepted: list[tuple[str, OutgoingMessage, _Digests]] = []
        failed: list[shapes.BatchResultErrorEntry] = []
        for entry in entries:
            try:
                outgoing, digests = _outgoing(ctx, info, entry)
            except SqsError as error:
                failed.append(_failure(entry["Id"], error))
                continue
            accepted.append((entry["Id"], outgoing, digests))
        successful: list[shapes.SendMessageBatchResultEntry] = []
        if accepted:
            ids = self._send(info, [o for _, o, _ in accepted])
            for (entry_id, _, digests), message_id in zip(accepted, ids, strict=True):
                members = digests.members(Id=entry_id, MessageId=message_id)
                successful.append(cast(shapes.SendMessageBatchResultEntry, members))
        return {"Successful": successful, "Failed": failed}

    def _send(self, info: QueueInfo, messages: list[OutgoingMessage]) -> list[str]:
        try:
            return [m.message_id for m in self._engine.send(info.queue_id, messages)]
        except QueueNotFoundError as exc:
            raise no_queue() from exc

    # -- receiving ---------------------------------------------------------------------------
    async def receive_message(
        self, ctx: RequestContext, request: shapes.ReceiveMessageRequest
    ) -> shapes.ReceiveMessageResult:
        # On the event loop: the lookup is the engine's memoised one, as in authorisation.
        info = existing_queue(self._engine, request["QueueUrl"])
        count = request.get("MaxNumberOfMessages")
        if count is not None and not 1 <= count <= BATCH_MAX:
            raise InvalidParameterValueError(
                f"Value {count} for parameter MaxNumberOfMessages is invalid. Reason: Must be"
                " between 1 and 10, if provided."
            )
        visibility = request.get("VisibilityTimeout")
        if visibility is not None and not 0 <= visibility <= VISIBILITY_TIMEOUT_MAX_S:
            raise InvalidParameterValueError(
                f"Value {visibility} for parameter VisibilityTimeout is invalid. Reason: Must be"
                f" >= 0 and <= {VISIBILITY_TIMEOUT_MAX_S}, if provided."
            )
        wait = request.get("WaitTimeSeconds")
        if wait is not None and not 0 <= wait <= WAIT_MAX_S:
            raise InvalidParameterValueError(
                f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0"
                " and <= 20, if provided."
            )
        wanted_system = _system_names(
            [*request.get("AttributeNames", ()), *request.get("MessageSystemAttributeNames", ())]
        )
        wanted_attributes = list(request.get("MessageAttributeNames", ()))
        try:
            received = await self._engine.receive(
                info.queue_id,
                count or 1,
                wait_s=float(info.settings.receive_wait_s if wait is None else wait),
                visibility_timeout_s=visibility,
            )
        except QueueNotFoundError as exc:
            raise no_queue() from exc
        if not received:
            return {}  # SQS leaves Messages out when there are none
        return {"Messages": [_message(m, wanted_system, wanted_attributes) for m in received]}

    # -- deleting and visibility -------------------------------------------------------------
    def delete_message(self, ctx: RequestContext, request: shapes.DeleteMessageRequest) -> None:
        info = existing_queue(self._engine, request["QueueUrl"])
        handle = request["ReceiptHandle"]
        outcome = self._engine_batch(lambda: self._engine.delete_batch(info.queue_id, [handle]))[0]
        if outcome is not None:
            raise _entry_error(outcome, handle)

    def delete_message_batch(
        self, ctx: RequestContext, request: shapes.DeleteMessageBatchRequest
    ) -> shapes.DeleteMessageBatchResult:
        info = existing_queue(self._engine, request["QueueUrl"])
        entries = request["Entries"]
        _check_batch(entries)
        handles = [e["ReceiptHandle"] for e in entries]
        outcomes = self._engine_batch(lambda: self._engine.delete_batch(info.queue_id, handles))
        successful, failed = _batch_result(entries, outcomes)
        return {"Successful": [{"Id": i} for i in successful], "Failed": failed}

    def change_message_visibility(
        self, ctx: RequestContext, request: shapes.ChangeMessageVisibilityRequest
    ) -> None:
        info = existing_queue(self._engine, request["QueueUrl"])
        timeout = _visibility(request["VisibilityTimeout"])
        handle = request["ReceiptHandle"]
        outcome = self._engine_batch(
            lambda: self._engine.change_visibility_batch(info.queue_id, [(handle, timeout)])
        )[0]
        if outcome is not None:
            raise _entry_error(outcome, handle)

    def change_message_visibility_batch(
        self, ctx: RequestContext, request: shapes.ChangeMessageVisibilityBatchRequest
    ) -> shapes.ChangeMessageVisibilityBatchResult:
        info = existing_queue(self._engine, request["QueueUrl"])
        entries = request["Entries"]
        _check_batch(entries)
        valid: list[tuple[str, int]] = []
        early: dict[str, SqsError] = {}
        for entry in entries:
            try:
                valid.append((entry["ReceiptHandle"], _visibility(entry.get("VisibilityTimeout",
                                                                            0))))  # fmt: skip
            except SqsError as error:
                early[entry["Id"]] = error
        kept = [e for e in entries if e["Id"] not in early]
        outcomes = self._engine_batch(
            lambda: self._engine.change_visibility_batch(info.queue_id, valid)
        )
        successful, failed = _batch_result(kept, outcomes)
        failed.extend(_failure(i, e) for i, e in early.items())
        return {"Successful": [{"Id": i} for i in successful], "Failed": failed}

    def _engine_batch(
        self, call: Callable[[], list[QueueEngineError | None]]
    ) -> list[QueueEngineError | None]:
        try:
            return call()
        except QueueNotFoundError as exc:
            raise no_queue() from exc


@dataclass(frozen=True)
class _Digests:
    """The MD5s SQS answers a send with (clients check them)."""

    body: str
    attributes: str | None
    system: str | None

    def members(self, **given: str) -> dict[str, str]:
        # Optional members are left out rather than null, as SQS does.
        found = {"MD5OfMessageBody": self.body, "MD5OfMessageAttributes": self.attributes,
                 "MD5OfMessageSystemAttributes": self.system}  # fmt: skip
        return {**given, **{k: v for k, v in found.items() if v is not None}}


def _outgoing(
    ctx: RequestContext,
    info: QueueInfo,
    request: shapes.SendMessageRequest | shapes.SendMessageBatchRequestEntry,
) -> tuple[OutgoingMessage, _Digests]:
    body = attrs.check_body(request["MessageBody"])
    message_attributes: Mapping[str, Mapping[str, Any]] = request.get("MessageAttributes", {})
    size = len(body) + attrs.check_attributes(message_attributes)
    limit = info.settings.max_message_bytes
    if size > limit:
        raise InvalidParameterValueError(
            "One or more parameters are invalid. Reason: Message must be shorter than"
            f" {limit} bytes."
        )
    delay = request.get("DelaySeconds")
    if delay is not None and not 0 <= delay <= 900:
        raise InvalidParameterValueError(
            f"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must"
            " be >= 0 and <= 900."
        )
    if request.get("MessageDeduplicationId") is not None:
        raise InvalidParameterValueError(
            "The request include parameter that is not valid for this queue type"
        )
    trace = None
    for name, value in request.get("MessageSystemAttributes", {}).items():
        if name != "AWSTraceHeader" or value.get("DataType") != "String":
            raise InvalidParameterValueError(
                f"Message system attribute name '{name[:100]}' is invalid."
            )
        trace = value.get("StringValue")
        if not trace:
            raise InvalidParameterValueError("AWSTraceHeader must have a StringValue.")
    stored_trace = stored_trace_header(ctx, trace)
    digests = _Digests(
        attrs.md5_hex(body),
        attrs.md5_of_attributes(message_attributes) if message_attributes else None,
        None if trace is None or stored_trace is None else attrs.md5_of_attributes(
            {"AWSTraceHeader": {"DataType": "String", "StringValue": stored_trace}}
        ),
    )  # fmt: skip
    caller = ctx.caller_trace
    host = caller.trace if caller.from_environment else None
    stored = attrs.encode(message_attributes, ctx.principal.principal_id, stored_trace, host)
    return OutgoingMessage(body, stored, delay), digests


def _visibility(value: int) -> int:
    if not 0 <= value <= VISIBILITY_TIMEOUT_MAX_S:
        raise InvalidParameterValueError(
            f"Value {value} for parameter VisibilityTimeout is invalid. Reason: Must be between 0"
            f" and {VISIBILITY_TIMEOUT_MAX_S}."
        )
    return value


def _check_batch(entries: Sequence[Mapping[str, Any]]) -> None:
    if not entries:
        raise EmptyBatchRequestError("There should be at least one entry in the request.")
    if len(entries) > BATCH_MAX:
        raise TooManyEntriesInBatchRequestError(
            f"Maximum number of entries per request are {BATCH_MAX}. You have sent {len(entries)}."
        )
    ids = [e["Id"] for e in entries]
    for entry_id in ids:
        if not _ENTRY_ID.fullmatch(entry_id):
            raise InvalidBatchEntryIdError(
                "A batch entry id can only contain alphanumeric characters, hyphens and"
                " underscores. It can be at most 80 letters long."
            )
    if len(set(ids)) != len(ids):
        raise BatchEntryIdsNotDistinctError("Two or more batch entries have the same Id.")


def _entry_error(outcome: QueueEngineError, handle: str) -> SqsError:
    if isinstance(outcome, ReceiptHandleInvalidError):
        return ReceiptHandleIsInvalidError(
            f'The input receipt handle "{handle[:256]}" is not a valid receipt handle.'
        )
    if isinstance(outcome, MessageNotInFlightError):
        return MessageNotInflightError("The message referred to is not in flight.")
    return InvalidParameterValueError("The request could not be completed.")


def _failure(entry_id: str, error: SqsError) -> shapes.BatchResultErrorEntry:
    return {"Id": entry_id, "SenderFault": error.sender_fault, "Code": error.wire_code("query"),
            "Message": error.message}  # fmt: skip


def _batch_result(
    entries: Sequence[Mapping[str, Any]], outcomes: list[QueueEngineError | None]
) -> tuple[list[str], list[shapes.BatchResultErrorEntry]]:
    """The ids of the entries that succeeded, and the failures of the others."""
    successful: list[str] = []
    failed: list[shapes.BatchResultErrorEntry] = []
    for entry, outcome in zip(entries, outcomes, strict=True):
        if outcome is None:
            successful.append(entry["Id"])
        else:
            failed.append(_failure(entry["Id"], _entry_error(outcome, entry["ReceiptHandle"])))
    return successful, failed


def _system_names(names: Sequence[str]) -> set[str]:
    if "All" in names:
        return set(_SYSTEM_ATTRIBUTES)
    for name in names:
        if name not in _SYSTEM_ATTRIBUTES and name not in _OTHER_SYSTEM_ATTRIBUTES:
            raise InvalidAttributeNameError(f"Unknown Attribute {name[:100]}.")
    return set(names)


def _message(
    message: ReceivedMessage, system: set[str], wanted_attributes: list[str]
) -> shapes.Message:
    stored, sender, trace = attrs.decode(message.attributes)
    body = message.body
    out: dict[str, Any] = {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": attrs.md5_hex(body),
        "Body": body.decode("utf-8"),
    }
    every = {
        "SenderId": sender,
        "SentTimestamp": str(message.sent_ms),
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": str(message.first_received_ms),
        "AWSTraceHeader": trace,
    }
    system_attributes = {k: v for k, v in every.items() if k in system and v}
    if system_attributes:
        out["Attributes"] = system_attributes
    chosen = attrs.select(stored, wanted_attributes)
    if chosen:
        out["MessageAttributes"] = chosen
        out["MD5OfMessageAttributes"] = attrs.md5_of_attributes(chosen)
    # Optional members are left out rather than null, as SQS does.
    return cast(shapes.Message, out)
