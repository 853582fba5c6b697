"""The one side effect of the network package: running `ip` and `nft` on the host.

Both tools take a whole batch on stdin (`ip -batch -`, `nft -f -`), so each step is one
process, and an nft batch is one atomic transaction. Output is kept short in errors: the
tools' messages name interfaces and rules, never tenant data.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from ipaddress import IPv4Network, ip_interface
from typing import Protocol

from stockade.sandbox.network.errors import NetworkError, NetworkUnavailableError
from stockade.sandbox.network.libnftables import LibNftables

COMMAND_TIMEOUT_S = 10.0
_ERROR_CHARS = 400


class HostCommands(Protocol):
    async def ip_batch(
        self, lines: list[str], netns_pid: int | None = None, netns: str | None = None
    ) -> None:
        """Run `ip` commands, in the network namespace of a process or a named one."""
        ...

    async def nft(self, text: str, netns: str | None = None) -> None:
        """Load one nftables transaction (in a named network namespace)."""
        ...

    async def tc_batch(
        self, lines: list[str], netns_pid: int | None = None, netns: str | None = None
    ) -> None:
        """Run `tc` commands, where `ip_batch` would."""
        ...

    async def sysctl(self, key: str, value: str, netns: str | None = None) -> None: ...

    async def ipv4_networks(self) -> list[IPv4Network]:
        """The IPv4 networks the host's interfaces are on."""
        ...


class SubprocessCommands:
    def __init__(self) -> None:
        tools = {name: shutil.which(name) for name in ("ip", "nft", "nsenter", "tc")}
        missing = sorted(name for name, path in tools.items() if path is None)
        if missing:
            raise NetworkUnavailableError(f"{', '.join(missing)} not found on PATH")
        self._ip = str(tools["ip"])
        self._nft = str(tools["nft"])
        self._nsenter = str(tools["nsenter"])
        self._tc = str(tools["tc"])
        self._libnftables = LibNftables.load()

    async def ip_batch(
        self, lines: list[str], netns_pid: int | None = None, netns: str | None = None
    ) -> None:
        argv = [self._ip, "-batch", "-"]
        if netns is not None:
            argv = [self._ip, "-n", netns, "-batch", "-"]
        elif netns_pid is not None:
            # Host root may enter any descendant user namespace's network namespace.
            argv = [self._nsenter, f"--net=/proc/{netns_pid}/ns/net", *argv]
        await _run(argv, "\n".join(lines) + "\n")

    async def tc_batch(
        self, lines: list[str], netns_pid: int | None = None, netns: str | None = None
    ) -> None:
        argv = [self._tc, "-batch", "-"]
        if netns is not None:
            argv = [self._tc, "-n", netns, "-batch", "-"]
        elif netns_pid is not None:
            argv = [self._nsenter, f"--net=/proc/{netns_pid}/ns/net", *argv]
        await _run(argv, "\n".join(lines) + "\n")

    async def nft(self, text: str, netns: str | None = None) -> None:
        if self._libnftables is not None:  # in-process: no nsenter, no nft to start
            await asyncio.to_thread(self._libnftables.run, text, netns)
            return
        await _run([*self._inside(netns), self._nft, "-f", "-"], text)

    async def sysctl(self, key: str, value: str, netns: str | None = None) -> None:
        if netns is not None:  # /proc/sys/net shows the namespace of the process reading it
            await _run([*self._inside(netns), "/usr/sbin/sysctl", "-qw", f"{key}={value}"], "")
            return
        path = "/proc/sys/" + key.replace(".", "/")
        try:
            await asyncio.to_thread(_write, path, value)
        except OSError as exc:
            raise NetworkError(f"cannot set {key}: {exc.strerror}") from exc

    def _inside(self, netns: str | None) -> list[str]:
        return [] if netns is None else [self._nsenter, f"--net=/run/netns/{netns}"]

    async def ipv4_networks(self) -> list[IPv4Network]:
        out = await _run([self._ip, "-j", "-4", "addr", "show"], "")
        networks: list[IPv4Network] = []
        try:
            for link in json.loads(out):
                for addr in link.get("addr_info", []):
                    network = ip_interface(f"{addr['local']}/{addr['prefixlen']}").network
                    if isinstance(network, IPv4Network):
                        networks.append(network)
        except (ValueError, KeyError, TypeError) as exc:
            raise NetworkError("cannot read the host's addresses") from exc
        return networks


def _write(path: str, value: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(value)


async def _run(argv: list[str], stdin: str) -> bytes:
    # In a worker thread with the standard library's vfork-based spawn: forking the server
    # (a large process) from the event loop would stall every request for the copy.
    return await asyncio.to_thread(_run_blocking, argv, stdin)


def _run_blocking(argv: list[str], stdin: str) -> bytes:
    try:
        done = subprocess.run(  # noqa: S603 - fixed tools, found on PATH at start
            argv, input=stdin.encode(), capture_output=True, timeout=COMMAND_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise NetworkError(f"{argv[0]} did not finish in {COMMAND_TIMEOUT_S:.0f} s") from exc
    if done.returncode != 0:
        text = done.stderr.decode(errors="replace").strip()[:_ERROR_CHARS]
        raise NetworkError(f"{' '.join(argv[:3])} failed ({done.returncode}): {text}")
    return done.stdout
