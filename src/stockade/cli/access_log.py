"""The access log is written in batches, off the request path.

One line per request, written and flushed as it happened, was a write(2) per request on the
event loop's thread; CPython releases the GIL around it, and under load each release cost a
hand-off to another thread and back. Lines now collect in memory and a flusher thread writes
them every `interval_s` (or sooner, when `capacity` lines are waiting); the last ones are
written when the server stops. A crash can lose at most that interval of access lines; the
audit trail, not this log, is the durable record of requests.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import MemoryHandler

ACCESS_LOGGER = "stockade.access"


@contextmanager
def buffered_access_log(
    target: logging.Handler, interval_s: float = 0.2, capacity: int = 1024
) -> Iterator[None]:
    """While open, `stockade.access` lines go to `target` in batches instead of one by one."""
    handler = MemoryHandler(capacity, flushLevel=logging.ERROR, target=target, flushOnClose=True)
    logger = logging.getLogger(ACCESS_LOGGER)
    stop = threading.Event()

    def flush_periodically() -> None:
        while not stop.wait(interval_s):
            handler.flush()

    flusher = threading.Thread(target=flush_periodically, name="access-log", daemon=True)
    logger.addHandler(handler)
    logger.propagate = False
    flusher.start()
    try:
        yield
    finally:
        stop.set()
        flusher.join()
        logger.removeHandler(handler)
        logger.propagate = True
        handler.close()  # writes what is left
