"""The body of a streamed answer, audited before it ends.

    events as produced -> closing event computed -> audit record journalled -> closing event

"A success is durably recorded" holds for streams too: the closing event (InvokeComplete) is
sent only after the request's audit record is on disk; if it cannot be written the stream ends
with an error message instead, and the SDK raises. A client that goes away mid-stream stops the
producer, and the record is still written (saying so).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable

from stockade.errors import ApiError
from stockade.kernel.auditing import Trace
from stockade.services.streamed import Event, Streamed

LOG = logging.getLogger(__name__)

ABANDONED_NOTE = "streamAbandoned"


async def audited_events(
    answer: Streamed,
    trace: Trace,
    record: Callable[[], Awaitable[None]],
    internal: Callable[[BaseException], ApiError],
    finished: Callable[[], None],
) -> AsyncGenerator[Event | ApiError, None]:
    """`answer`'s events, then its closing event once `record` has journalled the trace."""
    settled = False  # the stream reached its end and its record was written (or tried)
    try:
        try:
            async for event in answer.events:
                yield event
            done = await answer.finish()
        except ApiError as error:
            trace.error = error
            settled = True
            await _record(record, trace)
            yield error
            return
        except Exception as exc:
            LOG.error("unhandled %s streaming request %s", type(exc).__name__, trace.request_id)
            trace.error = internal(exc)
            settled = True
            await _record(record, trace)
            yield trace.error
            return
        trace.result = {**answer.head, **done.audited}
        settled = True
        if not await _record(record, trace):  # unaudited means unanswered: no closing event
            yield internal(RuntimeError("audit record not written"))
            return
        yield done.event
    finally:
        if not settled:  # the client went away (or the server is stopping) mid-stream
            await answer.abandon()
            trace.notes.add(ABANDONED_NOTE, True)
            await _record(record, trace)
        finished()


async def _record(record: Callable[[], Awaitable[None]], trace: Trace) -> bool:
    try:
        await record()
    except Exception as exc:
        LOG.error("could not journal the audit record of request %s: %s", trace.request_id,
                  type(exc).__name__)  # fmt: skip
        return False
    return True
