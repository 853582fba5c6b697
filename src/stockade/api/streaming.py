"""Sending a streamed answer: each piece as soon as it is produced, chunked, until it ends or
the client goes away (then the producer is stopped, not left running for nobody)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from stockade.api.http import HttpResponse

Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
_DISCONNECT_POLLS_MAX = 1_000_000  # receive() after the body only ever says "disconnected"


async def send_stream(
    send: Send, receive: Receive, response: HttpResponse, encode: Callable[[str], bytes]
) -> None:
    stream = response.stream
    assert stream is not None
    headers = [(k.encode("latin-1"), encode(v)) for k, v in response.headers]
    # No Content-Length: the server frames the body with chunked transfer encoding.
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        await _pump(send, stream, gone)
    finally:
        gone.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await gone


async def _pump(send: Send, stream: AsyncIterator[bytes], gone: asyncio.Future[None]) -> None:
    while True:  # bounded by the producer, which ends (or is stopped when the client goes)
        piece: asyncio.Future[bytes] = asyncio.ensure_future(anext(stream))
        waiting: set[asyncio.Future[Any]] = {piece, gone}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if not piece.done():
            # The client went away: stop the producer where it waits (its cleanup runs now).
            piece.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await piece
            return
        try:
            data = piece.result()
        except StopAsyncIteration:
            break
        await send({"type": "http.response.body", "body": data, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _disconnected(receive: Receive) -> None:
    for _ in range(_DISCONNECT_POLLS_MAX):
        message = await receive()
        if message["type"] == "http.disconnect":
            return
