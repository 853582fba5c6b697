"""Lambda's bandwidth for streamed responses: the first 6 MB uncapped, then at most 2 MBps.

AWS: "The first 6 MB of your function's response payload has uncapped bandwidth. After this
initial burst, Lambda streams your response at a maximum rate of 2 MBps" (Lambda developer
guide, Bandwidth limits for response streaming). Pure: the caller passes the monotonic time
and waits the delay it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class StreamPacing:
    uncapped_bytes: int = 6 * MIB
    bytes_per_s: float = 2 * MIB


class Pacer:
    def __init__(self, pacing: StreamPacing) -> None:
        self._pacing = pacing
        self._sent = 0
        self._capped_since: float | None = None  # when the first byte past the burst went

    def delay(self, size: int, now: float) -> float:
        """Seconds to wait before sending `size` more bytes (then counted as sent)."""
        self._sent += size
        capped = self._sent - self._pacing.uncapped_bytes
        if capped <= 0:
            return 0.0
        if self._capped_since is None:
            self._capped_since = now
        return max(0.0, self._capped_since + capped / self._pacing.bytes_per_s - now)
