"""Where a streamed function response goes as the runtime sends it (InvokeWithResponseStream).

The Runtime API hands each piece of a streamed response body to the invocation's sink as soon
as it is read; a sink that is slow to take it holds the runtime back (its connection stops
being read), so a fast function cannot pile up a response in the server's memory.
"""

from __future__ import annotations

from typing import Protocol

# AWS: "response streaming functions can return payloads up to 200 MB" (Lambda developer
# guide, configuration-response-streaming).
STREAMED_RESPONSE_BYTES_MAX = 200 * 1024 * 1024


class ResponseSink(Protocol):
    def begin(self, content_type: str | None) -> None:
        """The stream starts, with the content type the runtime declared (None: none): a
        function URL reads an HTTP prelude from one of Lambda's HTTP integration type."""
        ...

    async def write(self, data: bytes) -> None:
        """Take one piece of the response, in order; returns once it may take the next."""
        ...
