"""The SQS API subset over the queue engine: resolve the queue -> authorize -> act.

Every operation on a queue is authorised as `sqs:<Action>` on the queue's ARN, with the queue's
policy as the resource policy (so another account can use a queue only if its policy allows);
batch operations are authorised as their single-entry action, as in SQS. Internal queues (names
SQS could not create) are unreachable: queue URLs and names are checked against SQS's rules.
ReceiveMessage is a coroutine: a long poll waits on the event loop, not on a server thread.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping
from typing import Any

from stockade.clock import Clock
from stockade.services.authz import Authorizer
from stockade.services.context import RequestContext
from stockade.services.sqs import message_attributes as attrs
from stockade.services.sqs import queue_attributes as qa
from stockade.services.sqs.errors import (
    AccessDeniedError,
    BatchEntryIdsNotDistinctError,
    BatchRequestTooLongError,
    EmptyBatchRequestError,
    InvalidAttributeNameError,
    InvalidBatchEntryIdError,
    InvalidParameterValueError,
    MessageNotInflightError,
    QueueDoesNotExistError,
    QueueNameExistsError,
    ReceiptHandleIsInvalidError,
    SqsError,
    TooManyEntriesInBatchRequestError,
)
from stockade.store.queue_ports import (
    MESSAGE_BYTES_MAX,
    VISIBILITY_TIMEOUT_MAX_S,
    WAIT_MAX_S,
    MessageNotInFlightError,
    OutgoingMessage,
    QueueCounts,
    QueueEngine,
    QueueEngineError,
    QueueExistsError,
    QueueId,
    QueueInfo,
    QueueNotFoundError,
    QueueSettings,
    ReceiptHandleInvalidError,
    ReceivedMessage,
)

Operation = Callable[[RequestContext, Any], Any]
BATCH_MAX = 10
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_SYSTEM_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
)


class SqsService:
    def __init__(
        self, engine: QueueEngine, authorizer: Authorizer, clock: Clock, region: str
    ) -> None:
        self._engine = engine
        self._authorizer = authorizer
        self._clock = clock
        self._region = region

    def operations(self) -> Mapping[str, Operation]:
        return {
            "CreateQueue": self.create_queue,
            "GetQueueUrl": self.get_queue_url,
            "ListQueues": self.list_queues,
            "DeleteQueue": self.delete_queue,
            "GetQueueAttributes": self.get_queue_attributes,
            "SetQueueAttributes": self.set_queue_attributes,
            "ListDeadLetterSourceQueues": self.list_dead_letter_source_queues,
            "SendMessage": self.send_message,
            "SendMessageBatch": self.send_message_batch,
            "ReceiveMessage": self.receive_message,
            "DeleteMessage": self.delete_message,
            "DeleteMessageBatch": self.delete_message_batch,
            "ChangeMessageVisibility": self.change_message_visibility,
            "ChangeMessageVisibilityBatch": self.change_message_visibility_batch,
            "PurgeQueue": self.purge_queue,
        }

    # -- resolving and authorising -----------------------------------------------------------
    def _authorize(self, ctx: RequestContext, action: str, queue_id: QueueId,
                   info: QueueInfo | None) -> None:  # fmt: skip
        arn = qa.queue_arn(self._region, queue_id)
        text = None if info is None else info.settings.policy
        self._authorizer.authorize(
            ctx, f"sqs:{action}", arn, AccessDeniedError,
            resource_policy=None if text is None else qa.resource_policy(arn, text),
        )  # fmt: skip

    def _queue(self, ctx: RequestContext, url: str, action: str) -> QueueInfo:
        queue_id = qa.parse_queue_url(url)
        info = self._engine.get_queue(queue_id)
        self._authorize(ctx, action, queue_id, info)
        if info is None:
            raise _no_queue()
        return info

    # -- queues ------------------------------------------------------------------------------
    def create_queue(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["QueueName"]
        qa.check_public_name(name)
        queue_id = QueueId(ctx.principal.account_id, name)
        given: dict[str, str] = params.get("Attributes") or {}
        existing = self._engine.get_queue(queue_id)
        self._authorize(ctx, "CreateQueue", queue_id, existing)
        settings = qa.apply(QueueSettings(tags=tuple(sorted((params.get("tags") or {}).items()))),
                            given, queue_id, self._region)  # fmt: skip
        if existing is not None:
            current = qa.render(existing, _NO_COUNTS, self._region, set(qa.READABLE))
            wanted = qa.render(QueueInfo(queue_id, settings, 0, 0), _NO_COUNTS, self._region,
                               set(given))  # fmt: skip
            if any(current.get(k) != v for k, v in wanted.items()):
                raise _name_exists(name)
            return {"QueueUrl": qa.queue_url(ctx.base_url, queue_id)}
        self._check_dead_letter_target(settings)
        try:
            self._engine.create_queue(queue_id, settings)
        except QueueExistsError as exc:
            raise _name_exists(name) from exc
        return {"QueueUrl": qa.queue_url(ctx.base_url, queue_id)}

    def _check_dead_letter_target(self, settings: QueueSettings) -> None:
        redrive = settings.redrive
        if redrive is not None and self._engine.get_queue(redrive.dead_letter_queue) is None:
            raise InvalidParameterValueError(
                "Value for parameter RedrivePolicy is invalid. Reason: Dead letter target"
                " does not exist."
            )

    def get_queue_url(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["QueueName"]
        account = params.get("QueueOwnerAWSAccountId") or ctx.principal.account_id
        if (
            name.endswith(".fifo")
            or not _ENTRY_ID.fullmatch(name)
            or not (account.isdigit() and len(account) == 12)
        ):
            raise _no_queue()
        queue_id = QueueId(account, name)
        info = self._engine.get_queue(queue_id)
        self._authorize(ctx, "GetQueueUrl", queue_id, info)
        if info is None:
            raise _no_queue()
        return {"QueueUrl": qa.queue_url(ctx.base_url, queue_id)}

    def list_queues(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        account = ctx.principal.account_id
        self._authorizer.authorize(
            ctx, "sqs:ListQueues", f"arn:aws:sqs:{self._region}:{account}:*", AccessDeniedError
        )
        prefix = params.get("QueueNamePrefix") or ""
        limit = params.get("MaxResults")
        if limit is not None and not 1 <= limit <= 1000:
            raise InvalidParameterValueError(
                f"Value {limit} for parameter MaxResults is invalid. Reason: must be between 1"
                " and 1000."
            )
        after = params.get("NextToken") or ""
        wanted = limit or 1000
        found: list[QueueId] = []
        more = False
        while True:
            page = self._engine.list_queues(account, prefix, after, wanted + 1)
            for queue_id in page:
                if qa.is_public_name(queue_id.name):
                    if len(found) == wanted:
                        more = True
                        break
                    found.append(queue_id)
            if more or len(page) < wanted + 1:
                break
            after = page[-1].name
        result: dict[str, Any] = {"QueueUrls": [qa.queue_url(ctx.base_url, q) for q in found]}
        if more and limit is not None:
            result["NextToken"] = found[-1].name
        return result

    def delete_queue(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "DeleteQueue")
        try:
            self._engine.delete_queue(info.queue_id)
        except QueueNotFoundError as exc:
            raise _no_queue() from exc
        return {}

    def get_queue_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "GetQueueAttributes")
        names = qa.requested(params.get("AttributeNames") or [])
        if not names:
            return {}
        try:
            counts = self._engine.counts(info.queue_id)
        except QueueNotFoundError as exc:
            raise _no_queue() from exc
        return {"Attributes": qa.render(info, counts, self._region, names)}

    def set_queue_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "SetQueueAttributes")
        settings = qa.apply(info.settings, params["Attributes"], info.queue_id, self._region)
        self._check_dead_letter_target(settings)
        try:
            self._engine.set_settings(info.queue_id, settings)
        except QueueNotFoundError as exc:
            raise _no_queue() from exc
        return {}

    def list_dead_letter_source_queues(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "ListDeadLetterSourceQueues")
        sources = self._engine.dead_letter_sources(info.queue_id)
        return {"queueUrls": [qa.queue_url(ctx.base_url, q) for q in sources]}

    def purge_queue(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "PurgeQueue")
        try:
            self._engine.purge(info.queue_id)
        except QueueNotFoundError as exc:
            raise _no_queue() from exc
        return {}

    # -- sending -----------------------------------------------------------------------------
    def send_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "SendMessage")
        outgoing, result = self._outgoing(ctx, info, params)
        sent = self._send(info, [outgoing])
        return {**result, "MessageId": sent[0]}

    def send_message_batch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "SendMessage")
        entries = params["Entries"]
        _check_batch(entries)
        total = sum(len(e.get("MessageBody", "").encode()) for e in entries)
        if total > MESSAGE_BYTES_MAX:
            raise BatchRequestTooLongError(
                f"Batch requests cannot be longer than {MESSAGE_BYTES_MAX} bytes. You have sent"
                f" {total} bytes."
            )
        accepted: list[tuple[str, OutgoingMessage, dict[str, Any]]] = []
        failed: list[dict[str, Any]] = []
        for entry in entries:
            try:
                outgoing, result = self._outgoing(ctx, info, entry)
            except SqsError as error:
                failed.append(_failure(entry["Id"], error))
                continue
            accepted.append((entry["Id"], outgoing, result))
        successful = []
        if accepted:
            ids = self._send(info, [o for _, o, _ in accepted])
            for (entry_id, _, result), message_id in zip(accepted, ids, strict=True):
                successful.append({"Id": entry_id, "MessageId": message_id, **result})
        return {"Successful": successful, "Failed": failed}

    def _outgoing(
        self, ctx: RequestContext, info: QueueInfo, params: Mapping[str, Any]
    ) -> tuple[OutgoingMessage, dict[str, Any]]:
        body = attrs.check_body(params.get("MessageBody", ""))
        message_attributes = params.get("MessageAttributes") or {}
        size = len(body) + attrs.check_attributes(message_attributes)
        limit = info.settings.max_message_bytes
        if size > limit:
            raise InvalidParameterValueError(
                "One or more parameters are invalid. Reason: Message must be shorter than"
                f" {limit} bytes."
            )
        delay = params.get("DelaySeconds")
        if delay is not None and not 0 <= delay <= 900:
            raise InvalidParameterValueError(
                f"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must"
                " be >= 0 and <= 900."
            )
        if params.get("MessageDeduplicationId") is not None:
            raise InvalidParameterValueError(
                "The request include parameter that is not valid for this queue type"
            )
        system = params.get("MessageSystemAttributes") or {}
        trace = None
        for name, value in system.items():
            if name != "AWSTraceHeader" or value.get("DataType") != "String":
                raise InvalidParameterValueError(
                    f"Message system attribute name '{name[:100]}' is invalid."
                )
            trace = value.get("StringValue")
            if not trace:
                raise InvalidParameterValueError("AWSTraceHeader must have a StringValue.")
        result: dict[str, Any] = {"MD5OfMessageBody": attrs.md5_hex(body)}
        if message_attributes:
            result["MD5OfMessageAttributes"] = attrs.md5_of_attributes(message_attributes)
        if trace is not None:
            result["MD5OfMessageSystemAttributes"] = attrs.md5_of_attributes(
                {"AWSTraceHeader": {"DataType": "String", "StringValue": trace}}
            )
        stored = attrs.encode(message_attributes, ctx.principal.principal_id, trace)
        return OutgoingMessage(body, stored, delay), result

    def _send(self, info: QueueInfo, messages: list[OutgoingMessage]) -> list[str]:
        try:
            return [m.message_id for m in self._engine.send(info.queue_id, messages)]
        except QueueNotFoundError as exc:
            raise _no_queue() from exc

    # -- receiving ---------------------------------------------------------------------------
    async def receive_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        # Resolving and authorising read the stores: off the event loop.
        info = await asyncio.to_thread(self._queue, ctx, params["QueueUrl"], "ReceiveMessage")
        count = params.get("MaxNumberOfMessages")
        if count is not None and not 1 <= count <= BATCH_MAX:
            raise InvalidParameterValueError(
                f"Value {count} for parameter MaxNumberOfMessages is invalid. Reason: Must be"
                " between 1 and 10, if provided."
            )
        visibility = params.get("VisibilityTimeout")
        if visibility is not None and not 0 <= visibility <= VISIBILITY_TIMEOUT_MAX_S:
            raise InvalidParameterValueError(
                f"Value {visibility} for parameter VisibilityTimeout is invalid. Reason: Must be"
                f" >= 0 and <= {VISIBILITY_TIMEOUT_MAX_S}, if provided."
            )
        wait = params.get("WaitTimeSeconds")
        if wait is not None and not 0 <= wait <= WAIT_MAX_S:
            raise InvalidParameterValueError(
                f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0"
                " and <= 20, if provided."
            )
        system_names = [*(params.get("AttributeNames") or []),
                        *(params.get("MessageSystemAttributeNames") or [])]  # fmt: skip
        wanted_system = _system_names(system_names)
        wanted_attributes = params.get("MessageAttributeNames") or []
        try:
            received = await self._engine.receive(
                info.queue_id,
                count or 1,
                wait_s=float(info.settings.receive_wait_s if wait is None else wait),
                visibility_timeout_s=visibility,
            )
        except QueueNotFoundError as exc:
            raise _no_queue() from exc
        if not received:
            return {}  # SQS leaves Messages out when there are none
        return {"Messages": [_message(m, wanted_system, wanted_attributes) for m in received]}

    # -- deleting and visibility -------------------------------------------------------------
    def delete_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "DeleteMessage")
        outcome = self._engine_batch(
            lambda: self._engine.delete_batch(info.queue_id, [params["ReceiptHandle"]])
        )[0]
        if outcome is not None:
            raise _entry_error(outcome, params["ReceiptHandle"])
        return {}

    def delete_message_batch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "DeleteMessage")
        entries = params["Entries"]
        _check_batch(entries)
        handles = [e["ReceiptHandle"] for e in entries]
        outcomes = self._engine_batch(lambda: self._engine.delete_batch(info.queue_id, handles))
        return _batch_result(entries, outcomes)

    def change_message_visibility(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "ChangeMessageVisibility")
        timeout = _visibility(params["VisibilityTimeout"])
        handle = params["ReceiptHandle"]
        outcome = self._engine_batch(
            lambda: self._engine.change_visibility_batch(info.queue_id, [(handle, timeout)])
        )[0]
        if outcome is not None:
            raise _entry_error(outcome, handle)
        return {}

    def change_message_visibility_batch(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        info = self._queue(ctx, params["QueueUrl"], "ChangeMessageVisibility")
        entries = params["Entries"]
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
        result = _batch_result(kept, outcomes)
        result["Failed"].extend(_failure(i, e) for i, e in early.items())
        return result

    def _engine_batch(
        self, call: Callable[[], list[QueueEngineError | None]]
    ) -> list[QueueEngineError | None]:
        try:
            return call()
        except QueueNotFoundError as exc:
            raise _no_queue() from exc


_NO_COUNTS = QueueCounts(0, 0, 0)


def _no_queue() -> QueueDoesNotExistError:
    return QueueDoesNotExistError("The specified queue does not exist.")


def _name_exists(name: str) -> QueueNameExistsError:
    return QueueNameExistsError(
        f"A queue already exists with the same name and a different value for attribute(s): {name}"
    )


def _visibility(value: int) -> int:
    if not 0 <= value <= VISIBILITY_TIMEOUT_MAX_S:
        raise InvalidParameterValueError(
            f"Value {value} for parameter VisibilityTimeout is invalid. Reason: Must be between 0"
            f" and {VISIBILITY_TIMEOUT_MAX_S}."
        )
    return value


def _check_batch(entries: list[dict[str, Any]]) -> None:
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


def _failure(entry_id: str, error: SqsError) -> dict[str, Any]:
    return {"Id": entry_id, "SenderFault": error.sender_fault, "Code": error.wire_code("query"),
            "Message": error.message}  # fmt: skip


def _batch_result(
    entries: list[dict[str, Any]], outcomes: list[QueueEngineError | None]
) -> dict[str, Any]:
    successful: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for entry, outcome in zip(entries, outcomes, strict=True):
        if outcome is None:
            successful.append({"Id": entry["Id"]})
        else:
            failed.append(_failure(entry["Id"], _entry_error(outcome, entry["ReceiptHandle"])))
    return {"Successful": successful, "Failed": failed}


def _system_names(names: list[str]) -> set[str]:
    if "All" in names:
        return set(_SYSTEM_ATTRIBUTES)
    for name in names:
        if name not in _SYSTEM_ATTRIBUTES and name not in (
            "SequenceNumber", "MessageDeduplicationId", "MessageGroupId",
            "SqsManagedSseEnabled", "DeadLetterQueueSourceArn",
        ):  # fmt: skip
            raise InvalidAttributeNameError(f"Unknown Attribute {name[:100]}.")
    return set(names)


def _message(
    message: ReceivedMessage, system: set[str], wanted_attributes: list[str]
) -> dict[str, Any]:
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
    return out
