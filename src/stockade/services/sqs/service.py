"""The SQS API subset over the queue engine, as a declared table: needs -> handler.

Every operation on a queue needs `sqs:<Action>` on the queue's ARN, with the queue's policy as
the resource policy (`QueueScope`), so another account can use a queue only if its policy
allows; batch operations need their single-entry action, as in SQS. ListQueues needs
`sqs:ListQueues` on the account's queues. Internal queues (names SQS could not create) are
unreachable: queue URLs and names are checked against SQS's rules before anything else.
Message operations are data events (`resources`: the queue's ARN); ReceiveMessage is read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Required, TypedDict

from typing_extensions import ReadOnly

from stockade.services.context import RequestContext
from stockade.services.declaration import (
    READ,
    WRITE,
    Audit,
    Need,
    Needs,
    Operation,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.sqs import queue_attributes as qa
from stockade.services.sqs.errors import (
    AccessDeniedError,
    InternalFailureError,
    InvalidParameterValueError,
    QueueNameExistsError,
    ValidationError,
)
from stockade.services.sqs.messages import QueueMessages
from stockade.services.sqs.scope import (
    QueueScope,
    existing_queue,
    new_queue_arn,
    no_queue,
    queue_name_arn,
    queue_url_arn,
)
from stockade.services.sqs.tags import QueueTags, merged
from stockade.shapes import sqs as shapes
from stockade.store.queue_ports import (
    QueueCounts,
    QueueEngine,
    QueueExistsError,
    QueueId,
    QueueInfo,
    QueueNotFoundError,
    QueueSettings,
)

ERRORS = ServiceErrors(AccessDeniedError, ValidationError, InternalFailureError)
LIST_MAX = 1000


class _OnQueue(TypedDict):
    """What every request on one queue carries (the generated request shapes all match)."""

    QueueUrl: ReadOnly[Required[str]]


class SqsService:
    def __init__(self, engine: QueueEngine, region: str) -> None:
        self._engine = engine
        self._region = region
        self._scope = QueueScope(engine, region)
        self.messages = QueueMessages(engine)
        self.tags = QueueTags(engine)

    def table(self) -> ServiceTable:
        m = self.messages
        on = self._on_queue
        message = Audit[Any](read_only=False, data_event=True, resources=self._queue)
        received = Audit[Any](read_only=True, data_event=True, resources=self._queue)
        return ServiceTable.of(
            "sqs",
            [
                operation("CreateQueue", self.create_queue, self._create_needs, WRITE),
                operation("GetQueueUrl", self.get_queue_url, self._url_needs, READ),
                operation("ListQueues", self.list_queues, self._list_needs, READ),
                operation("DeleteQueue", self.delete_queue, on("DeleteQueue"), WRITE),
                operation("GetQueueAttributes", self.get_queue_attributes,
                          on("GetQueueAttributes"), READ),
                operation("SetQueueAttributes", self.set_queue_attributes,
                          on("SetQueueAttributes"), WRITE),
                operation("ListDeadLetterSourceQueues", self.list_dead_letter_source_queues,
                          on("ListDeadLetterSourceQueues"), READ),
                operation("PurgeQueue", self.purge_queue, on("PurgeQueue"), WRITE),
                operation("SendMessage", m.send_message, on("SendMessage"), message),
                operation("SendMessageBatch", m.send_message_batch, on("SendMessage"), message),
                operation("ReceiveMessage", m.receive_message, on("ReceiveMessage"), received),
                operation("DeleteMessage", m.delete_message, on("DeleteMessage"), message),
                operation("DeleteMessageBatch", m.delete_message_batch, on("DeleteMessage"),
                          message),
                operation("ChangeMessageVisibility", m.change_message_visibility,
                          on("ChangeMessageVisibility"), message),
                operation("ChangeMessageVisibilityBatch", m.change_message_visibility_batch,
                          on("ChangeMessageVisibility"), message),
                *self._tag_operations(),
            ],
            ERRORS,
        )  # fmt: skip

    def _tag_operations(self) -> list[Operation[Any]]:
        t, own = self.tags, self._own_queue
        return [
            operation("TagQueue", t.tag_queue, own("TagQueue"), WRITE),
            operation("UntagQueue", t.untag_queue, own("UntagQueue"), WRITE),
            operation("ListQueueTags", t.list_queue_tags, own("ListQueueTags"), READ),
        ]

    # -- needs -------------------------------------------------------------------------------
    def _own_queue(self, action: str) -> Needs[_OnQueue]:
        """`action` on the queue, decided by the caller's own policies only: the queue's policy
        grants no other account tagging ("Cross-account permissions don't apply", TagQueue)."""

        def needs(ctx: RequestContext, request: _OnQueue) -> Sequence[Need]:
            return [Need(f"sqs:{action}", queue_url_arn(self._region, request["QueueUrl"]))]

        return needs

    def _on_queue(self, action: str) -> Needs[_OnQueue]:
        def needs(ctx: RequestContext, request: _OnQueue) -> Sequence[Need]:
            arn = queue_url_arn(self._region, request["QueueUrl"])
            return [Need(f"sqs:{action}", arn, self._scope)]

        return needs

    def _queue(self, ctx: RequestContext, request: _OnQueue) -> Sequence[str]:
        return [queue_url_arn(self._region, request["QueueUrl"])]

    def _create_needs(
        self, ctx: RequestContext, request: shapes.CreateQueueRequest
    ) -> Sequence[Need]:
        arn = new_queue_arn(self._region, ctx.principal.account_id, request["QueueName"])
        return [Need("sqs:CreateQueue", arn, self._scope)]

    def _url_needs(self, ctx: RequestContext, request: shapes.GetQueueUrlRequest) -> Sequence[Need]:
        account = request.get("QueueOwnerAWSAccountId") or ctx.principal.account_id
        arn = queue_name_arn(self._region, account, request["QueueName"])
        return [Need("sqs:GetQueueUrl", arn, self._scope)]

    def _list_needs(self, ctx: RequestContext, request: shapes.ListQueuesRequest) -> Sequence[Need]:
        account = ctx.principal.account_id
        return [Need("sqs:ListQueues", f"arn:aws:sqs:{self._region}:{account}:*")]

    # -- queues ------------------------------------------------------------------------------
    def create_queue(
        self, ctx: RequestContext, request: shapes.CreateQueueRequest
    ) -> shapes.CreateQueueResult:
        name = request["QueueName"]
        qa.check_public_name(name)  # as the needs did: internal queues stay out of reach
        queue_id = QueueId(ctx.principal.account_id, name)
        given = request.get("Attributes", {})
        existing = self._engine.get_queue(queue_id)
        tags = merged(name, (), request.get("tags", {}))
        settings = qa.apply(QueueSettings(tags=tags), given, queue_id, self._region)
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

    def get_queue_url(
        self, ctx: RequestContext, request: shapes.GetQueueUrlRequest
    ) -> shapes.GetQueueUrlResult:
        account = request.get("QueueOwnerAWSAccountId") or ctx.principal.account_id
        queue_name_arn(self._region, account, request["QueueName"])  # as the needs did
        queue_id = QueueId(account, request["QueueName"])
        if self._engine.get_queue(queue_id) is None:
            raise no_queue()
        return {"QueueUrl": qa.queue_url(ctx.base_url, queue_id)}

    def list_queues(
        self, ctx: RequestContext, request: shapes.ListQueuesRequest
    ) -> shapes.ListQueuesResult:
        account = ctx.principal.account_id
        prefix = request.get("QueueNamePrefix", "")
        limit = request.get("MaxResults")
        if limit is not None and not 1 <= limit <= LIST_MAX:
            raise InvalidParameterValueError(
                f"Value {limit} for parameter MaxResults is invalid. Reason: must be between 1"
                " and 1000."
            )
        after = request.get("NextToken", "")
        wanted = limit or LIST_MAX
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
        urls = [qa.queue_url(ctx.base_url, q) for q in found]
        if more and limit is not None:
            return {"QueueUrls": urls, "NextToken": found[-1].name}
        return {"QueueUrls": urls}

    def delete_queue(self, ctx: RequestContext, request: shapes.DeleteQueueRequest) -> None:
        info = existing_queue(self._engine, request["QueueUrl"])
        try:
            self._engine.delete_queue(info.queue_id)
        except QueueNotFoundError as exc:
            raise no_queue() from exc

    def get_queue_attributes(
        self, ctx: RequestContext, request: shapes.GetQueueAttributesRequest
    ) -> shapes.GetQueueAttributesResult:
        info = existing_queue(self._engine, request["QueueUrl"])
        names = qa.requested(list(request.get("AttributeNames", ())))
        if not names:
            return {}
        try:
            counts = self._engine.counts(info.queue_id)
        except QueueNotFoundError as exc:
            raise no_queue() from exc
        return {"Attributes": qa.render(info, counts, self._region, names)}

    def set_queue_attributes(
        self, ctx: RequestContext, request: shapes.SetQueueAttributesRequest
    ) -> None:
        info = existing_queue(self._engine, request["QueueUrl"])
        settings = qa.apply(info.settings, request["Attributes"], info.queue_id, self._region)
        self._check_dead_letter_target(settings)
        try:
            self._engine.set_settings(info.queue_id, settings)
        except QueueNotFoundError as exc:
            raise no_queue() from exc

    def list_dead_letter_source_queues(
        self, ctx: RequestContext, request: shapes.ListDeadLetterSourceQueuesRequest
    ) -> shapes.ListDeadLetterSourceQueuesResult:
        info = existing_queue(self._engine, request["QueueUrl"])
        sources = self._engine.dead_letter_sources(info.queue_id)
        return {"queueUrls": [qa.queue_url(ctx.base_url, q) for q in sources]}

    def purge_queue(self, ctx: RequestContext, request: shapes.PurgeQueueRequest) -> None:
        info = existing_queue(self._engine, request["QueueUrl"])
        try:
            self._engine.purge(info.queue_id)
        except QueueNotFoundError as exc:
            raise no_queue() from exc


_NO_COUNTS = QueueCounts(0, 0, 0)


def _name_exists(name: str) -> QueueNameExistsError:
    return QueueNameExistsError(
        f"A queue already exists with the same name and a different value for attribute(s): {name}"
    )
