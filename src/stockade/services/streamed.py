"""A handler's answer whose body is an event stream, produced after its head is sent.

Most answers are whole values the kernel serializes at once. An answer that streams (Lambda's
InvokeWithResponseStream) is known in two parts: its head (status, headers) as soon as the work
has started, and its events as the work produces them, ending with one closing event. The
kernel forwards the events as they come and writes the request's audit record before it sends
the closing event (see kernel/streaming.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# One member of the operation's event-stream union: {"PayloadChunk": {"Payload": b"..."}}.
Event = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Finished:
    event: Event = field(repr=False)  # the closing event, sent last
    audited: Mapping[str, Any]  # what the audit record may say of the outcome (no payloads)


@dataclass(frozen=True)
class Streamed:
    head: Mapping[str, Any]  # the output members sent before the body
    events: AsyncIterator[Event] = field(repr=False)  # ends when the producer is done
    finish: Callable[[], Awaitable[Finished]] = field(repr=False)  # once `events` has ended
    abandon: Callable[[], Awaitable[None]] = field(repr=False)  # the client went away
