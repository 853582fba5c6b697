"""The access log: written in batches while the server runs, and in full when it stops."""

from __future__ import annotations

import logging
import time

from stockade.cli.access_log import ACCESS_LOGGER, buffered_access_log


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_lines_arrive_within_the_interval_and_the_rest_on_close() -> None:
    target = Lines()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.setLevel(logging.INFO)
    with buffered_access_log(target, interval_s=0.3):
        logger.info("GET /one %d", 200)
        assert target.lines == []  # held, not written on the request's path
        deadline = time.monotonic() + 5
        while not target.lines and time.monotonic() < deadline:
            time.sleep(0.01)
        assert target.lines == ["GET /one 200"]
        logger.info("GET /two %d", 200)
        logger.info("GET /three %d", 404)
    assert target.lines[-2:] == ["GET /two 200", "GET /three 404"]
    assert logger.propagate  # back to normal once the server is gone
