"""The default network's rejected connection attempts, as records in a log group per account.

A default-network environment has no network interface of a VPC, hence no flow log of AWS's to
take its traffic. What the host's rules drop from it (the host, private ranges, metadata, over
the connection rate) is logged to an NFLOG group of this server, aggregated per function and
window like flow-log records, and written to the account's log group
`/stockade/function-network/rejected`, one stream per function, in AWS's default flow-log
format with `-` for the interface id.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import replace

from stockade.clock import Clock
from stockade.sandbox.logs import LogSink
from stockade.sandbox.network.flow_aggregator import FlowAggregator, FlowInterface
from stockade.sandbox.network.nflog import NflogReader
from stockade.types import AccountId

LOG = logging.getLogger(__name__)
LOG_GROUP = "/stockade/function-network/rejected"
WINDOW_S = 60


def nflog_group(tag: str) -> int:
    """A group of the host's namespace for this server (servers on one host differ by tag)."""
    return 0x8000 | int(tag[:4], 16) >> 1


class RejectedLog:
    def __init__(self, sink: LogSink, clock: Clock, window_s: int = WINDOW_S) -> None:
        self._sink = sink
        self._flows = FlowAggregator(clock, window_s)
        self._window_s = window_s
        self._tasks: list[asyncio.Task[None]] = []

    def watch(self, address: str, account_id: str, function_name: str) -> None:
        self._flows.watch(address, FlowInterface(AccountId(account_id), function_name))

    def forget(self, address: str) -> None:
        self._flows.forget(address)

    async def start(self, group: int) -> None:
        try:
            reader = await NflogReader.open(None, group)
        except Exception as exc:  # another program holds the group: only the log is lost
            LOG.warning("rejected attempts of the default network are not logged: %s", exc)
            return
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._read(reader)), loop.create_task(self._deliver())]

    async def _read(self, reader: NflogReader) -> None:
        try:
            async for packet in reader.packets():
                self._flows.rejected(packet)
        finally:
            reader.close()

    async def _deliver(self) -> None:
        while True:  # until close() cancels it
            await asyncio.sleep(max(1.0, self._window_s / 4))
            self.deliver_due()

    def deliver_due(self) -> int:
        lines: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        for record in self._flows.due():
            function = record.interface_id
            line = replace(record, interface_id="-").line()  # no interface: AWS's "-"
            lines[(record.account_id, function)].append((record.end * 1000, line))
        for (account_id, function), events in lines.items():
            self._sink.append(account_id, LOG_GROUP, function, events)
        return sum(len(events) for events in lines.values())

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
