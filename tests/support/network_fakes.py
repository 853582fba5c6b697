"""A HostCommands that records what it is asked instead of changing the host."""

from __future__ import annotations

from ipaddress import IPv4Network

from stockade.sandbox.network.errors import NetworkError


class RecordingCommands:
    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self._fail_on = fail_on

    def _note(self, kind: str, text: str) -> None:
        self.calls.append((kind, text))
        if self._fail_on is not None and self._fail_on in text:
            raise NetworkError(f"refused: {self._fail_on}")

    async def ip_batch(
        self, lines: list[str], netns_pid: int | None = None, netns: str | None = None
    ) -> None:
        where = f"@{netns_pid}" if netns_pid else f"@{netns}" if netns else ""
        self._note(f"ip{where}", "\n".join(lines))

    async def tc_batch(
        self, lines: list[str], netns_pid: int | None = None, netns: str | None = None
    ) -> None:
        where = f"@{netns_pid}" if netns_pid else f"@{netns}" if netns else ""
        self._note(f"tc{where}", "\n".join(lines))

    async def nft(self, text: str, netns: str | None = None) -> None:
        self._note(f"nft@{netns}" if netns else "nft", text)

    async def sysctl(self, key: str, value: str, netns: str | None = None) -> None:
        self._note(f"sysctl@{netns}" if netns else "sysctl", f"{key}={value}")

    async def ipv4_networks(self) -> list[IPv4Network]:
        return [IPv4Network("192.0.2.0/24")]
