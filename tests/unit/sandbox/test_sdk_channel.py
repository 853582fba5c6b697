from __future__ import annotations

import asyncio
import socket

from stockade.sandbox import ChannelOrigin
from stockade.sandbox.sdk_channel import SdkChannel

ORIGIN = ChannelOrigin("111122223333", "env-1")


def test_a_refusal_stops_accepting_until_the_backoff_has_passed() -> None:
    answers = [True, False, True, True]
    seen: list[ChannelOrigin] = []

    def handler(conn: socket.socket, origin: ChannelOrigin) -> bool:
        seen.append(origin)
        conn.close()
        return answers[len(seen) - 1]

    async def scenario() -> tuple[int, int]:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        channel = SdkChannel(listener, handler, ORIGIN, asyncio.get_running_loop(), 0.3)
        channel.start()
        clients = [socket.create_connection(listener.getsockname()) for _ in range(4)]
        await asyncio.sleep(0.15)
        during_backoff = len(seen)  # the second was refused: the rest wait in the backlog
        await asyncio.sleep(0.4)
        after_backoff = len(seen)
        channel.close()
        for client in clients:
            client.close()
        listener.close()
        return during_backoff, after_backoff

    assert asyncio.run(scenario()) == (2, 4)
    assert seen == [ORIGIN] * 4
