"""The host end of an execution environment's SDK channel: accept, hand on, back off.

The guest connects to AWS_ENDPOINT_URL inside its own network namespace; the listening socket
is the host's, and each accepted connection goes to the API's handler, which may refuse it (the
environment, its account or the channel as a whole is at its connection limit). After a
refusal the channel stops accepting for a moment: a guest that connects in a loop then fills
its own backlog and waits, instead of making the host accept and close at the guest's pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from stockade.domain.trace import TraceContext

ACCEPTS_PER_WAKEUP = 16
REFUSAL_BACKOFF_S = 0.25


@dataclass(frozen=True)
class ChannelOrigin:
    """Whose execution environment a channel connection comes from."""

    account_id: str
    environment_id: str
    # The trace of the invocation the environment runs (or last ran), read by the host for
    # each request: what the guest's own calls count their hops from.
    current_trace: Callable[[], TraceContext | None] = field(
        default=lambda: None, compare=False, repr=False
    )
    # Whether the environment's network reaches a service's API (by SigV4 service name; None:
    # a request naming none). A function in a private subnet reaches only the services its
    # VPC has interface endpoints for; the rest are as unreachable as from such a subnet.
    # None: every service (requests are not even parsed for it).
    reaches: Callable[[str | None], bool] | None = field(default=None, compare=False, repr=False)


ApiConnectionHandler = Callable[[socket.socket, ChannelOrigin], bool]
"""Receives each connection a guest opens to AWS_ENDPOINT_URL and owns (closes) the socket;
returns False when it refused the connection."""


class SdkChannel:
    def __init__(
        self,
        listening: socket.socket,
        handler: ApiConnectionHandler,
        origin: ChannelOrigin,
        loop: asyncio.AbstractEventLoop,
        backoff_s: float = REFUSAL_BACKOFF_S,
    ) -> None:
        self._listening = listening
        self._handler = handler
        self._origin = origin
        self._loop = loop
        self._backoff_s = backoff_s
        self._resume: asyncio.TimerHandle | None = None
        self._reading = False

    def start(self) -> None:
        self._listening.setblocking(False)
        self._read()

    def close(self) -> None:
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        self._unread()

    def accept_ready(self) -> None:
        """Accept what is waiting, a bounded number at a time (the loop calls again)."""
        for _ in range(ACCEPTS_PER_WAKEUP):
            try:
                conn, _ = self._listening.accept()
            except OSError:  # BlockingIOError included: nothing left to accept
                return
            try:
                admitted = self._handler(conn, self._origin)
            except Exception:
                conn.close()
                admitted = False
            if not admitted:
                self._pause()
                return

    def _pause(self) -> None:
        self._unread()
        if self._resume is None:
            self._resume = self._loop.call_later(self._backoff_s, self._resumed)

    def _resumed(self) -> None:
        self._resume = None
        if self._listening.fileno() >= 0:
            self._read()

    def _read(self) -> None:
        if not self._reading:
            self._loop.add_reader(self._listening.fileno(), self.accept_ready)
            self._reading = True

    def _unread(self) -> None:
        if self._reading:
            self._reading = False
            with contextlib.suppress(Exception):
                self._loop.remove_reader(self._listening.fileno())
