"""The Runtime API server with a runtime streaming its response over a real socket: pieces
reach the sink before the response ends, a response past the bound ends the invocation with
Function.ResponseSizeTooLarge, and a stream for another request id is refused and closed."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

from stockade.sandbox.runtime_api.server import RuntimeApiServer
from stockade.sandbox.runtime_api.session import Invocation, Outcome, RuntimeSession

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"


class QueueSink:
    def __init__(self) -> None:
        self.pieces: asyncio.Queue[bytes] = asyncio.Queue()
        self.content_type: str | None = None

    def begin(self, content_type: str | None) -> None:
        self.content_type = content_type

    async def write(self, data: bytes) -> None:
        await self.pieces.put(data)


def head(request_id: str) -> bytes:
    return (
        f"POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\nHost: x\r\n"
        "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


async def started(
    max_streamed: int,
) -> tuple[RuntimeApiServer, QueueSink, asyncio.Future[Outcome], asyncio.StreamReader,
           asyncio.StreamWriter]:  # fmt: skip
    session = RuntimeSession()
    server = RuntimeApiServer(session, max_streamed=max_streamed)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    port = listening.getsockname()[1]
    await server.start(listening)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    await asyncio.sleep(0.05)  # parked: init is over
    sink = QueueSink()
    outcome = session.deliver(replace(Invocation("r1", 1, ARN, b"{}"), sink=sink))
    await reader.readuntil(b"\r\n\r\n")
    await reader.readexactly(2)  # the event, {}
    return server, sink, outcome, reader, writer


def test_pieces_reach_the_sink_before_the_response_ends() -> None:
    async def scenario() -> None:
        server, sink, outcome, reader, writer = await started(1024)
        writer.write(head("r1") + chunk(b"first"))
        await writer.drain()
        assert await asyncio.wait_for(sink.pieces.get(), 5) == b"first"
        assert not outcome.done()
        writer.write(chunk(b"second") + b"0\r\n\r\n")
        await writer.drain()
        assert await asyncio.wait_for(sink.pieces.get(), 5) == b"second"
        assert (await asyncio.wait_for(outcome, 5)) == Outcome(b"", None, streamed=True)
        assert (await reader.readline()).startswith(b"HTTP/1.1 202")
        writer.close()
        await server.close()

    asyncio.run(scenario())


def test_a_response_past_the_bound_ends_the_invocation() -> None:
    async def scenario() -> None:
        server, sink, outcome, reader, writer = await started(100)
        writer.write(head("r1") + chunk(b"a" * 80) + chunk(b"b" * 80))
        await writer.drain()
        result = await asyncio.wait_for(outcome, 5)
        assert result.error_type == "Function.ResponseSizeTooLarge"
        assert result.streamed
        assert (await reader.readline()).startswith(b"HTTP/1.1 413")
        assert await sink.pieces.get() == b"a" * 80  # what came within the bound was sent
        writer.close()
        await server.close()

    asyncio.run(scenario())


def test_a_stream_for_another_request_is_refused_and_closed() -> None:
    async def scenario() -> None:
        server, sink, outcome, reader, writer = await started(1024)
        writer.write(head("someone-else") + chunk(b"x"))
        await writer.drain()
        assert (await reader.readline()).startswith(b"HTTP/1.1 400")
        await asyncio.wait_for(reader.read(), 5)  # closed by the server
        assert sink.pieces.empty()
        assert not outcome.done()
        writer.close()
        await server.close()

    asyncio.run(scenario())


def test_the_sink_learns_the_content_type_the_runtime_declared() -> None:
    # A function URL reads an HTTP prelude only from a stream of Lambda's HTTP integration type.
    async def scenario() -> None:
        server, sink, outcome, _reader, writer = await started(1024)
        declared = head("r1").replace(
            b"\r\n\r\n",
            b"\r\nContent-Type: application/vnd.awslambda.http-integration-response\r\n\r\n",
        )
        writer.write(declared + chunk(b"{}") + b"0\r\n\r\n")
        await writer.drain()
        await asyncio.wait_for(outcome, 5)
        assert sink.content_type == "application/vnd.awslambda.http-integration-response"
        writer.close()
        await server.close()

    asyncio.run(scenario())
