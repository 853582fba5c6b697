"""Which queue a request names, and where that queue keeps its policy.

Every SQS action on a queue is authorised on the queue's ARN with the queue's `Policy` attribute
as the resource policy, so another account reaches a queue only where its policy allows. A
request names its queue by URL (by name for CreateQueue and GetQueueUrl, in the caller's or the
given account); the needs turn that into the ARN (`queue_url_arn`, `queue_name_arn`) and
`QueueScope` finds the policy. A queue that does not exist has no policy: the caller's own
policies decide, and the handler answers QueueDoesNotExist after authorisation, as SQS does for
the queue's owner.
"""

from __future__ import annotations

from stockade.policy import AttachedPolicy
from stockade.services.context import RequestContext
from stockade.services.declaration import Located
from stockade.services.sqs import queue_attributes as qa
from stockade.services.sqs.errors import InvalidAddressError, QueueDoesNotExistError
from stockade.store.queue_ports import QueueEngine, QueueId, QueueInfo
from stockade.types import ascii_digits

_ACCOUNT_DIGITS = 12


def no_queue() -> QueueDoesNotExistError:
    return QueueDoesNotExistError("The specified queue does not exist.")


def existing_queue(engine: QueueEngine, url: str) -> QueueInfo:
    """The queue a URL names, for a handler (after authorisation): QueueDoesNotExist if none."""
    info = engine.get_queue(qa.parse_queue_url(url))
    if info is None:
        raise no_queue()
    return info


def queue_url_arn(region: str, url: str) -> str:
    """The ARN of the queue a URL names; InvalidAddress for a URL that names no queue."""
    return qa.queue_arn(region, qa.parse_queue_url(url))


def queue_name_arn(region: str, account_id: str, name: str) -> str:
    """The ARN of the queue GetQueueUrl names. A name or account SQS could not have given a
    queue is not found (before authorisation: there is nothing to authorise on)."""
    if (
        name.endswith(".fifo")
        or not qa.is_public_name(name)
        or not (ascii_digits(account_id) and len(account_id) == _ACCOUNT_DIGITS)
    ):
        raise no_queue()
    return qa.queue_arn(region, QueueId(account_id, name))


def new_queue_arn(region: str, account_id: str, name: str) -> str:
    """The ARN of the queue CreateQueue names; InvalidParameterValue for a name SQS refuses."""
    qa.check_public_name(name)
    return qa.queue_arn(region, QueueId(account_id, name))


class QueueScope:
    """Where a queue keeps its policy: the resource policy of every sqs: action on it.

    `reference` is the queue's ARN. The lookup is the engine's memoised one: ReceiveMessage
    is authorised on the event loop."""

    def __init__(self, engine: QueueEngine, region: str) -> None:
        self._engine = engine
        self._region = region

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        queue_id = qa.parse_queue_arn(reference, self._region)
        if queue_id is None:  # the needs build ARNs from checked names: a bug if reached
            raise InvalidAddressError(f"The address {reference[:256]} is not valid.")
        info = self._engine.get_queue(queue_id)
        text = None if info is None else info.settings.policy
        return Located(reference, None if text is None else qa.resource_policy(reference, text))


def queue_policy(engine: QueueEngine, region: str, queue_id: QueueId) -> AttachedPolicy | None:
    """The queue's resource policy for the IAM engine, or None (no queue, or no policy)."""
    info = engine.get_queue(queue_id)
    text = None if info is None else info.settings.policy
    return None if text is None else qa.resource_policy(qa.queue_arn(region, queue_id), text)
