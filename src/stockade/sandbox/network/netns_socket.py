"""Sockets (and small calls) inside a named network namespace, without leaving ours.

A socket belongs to the network namespace its creator was in when it was made, and stays there
for its life. So a short-lived thread enters the namespace (`setns(2)` on /run/netns/NAME, which
acts on the calling thread only), makes the socket or runs the call, and ends: the caller's
threads, and the event loop's, never change namespace. Python 3.11 has no `os.setns`, hence
ctypes. A thread that entered a namespace is never reused: it ends with its one call.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import socket
import threading
from collections.abc import Callable
from typing import TypeVar

from stockade.sandbox.network.errors import NetworkError

T = TypeVar("T")

CLONE_NEWNET = 0x40000000  # <linux/sched.h>
NETNS_DIR = "/run/netns"
CALL_TIMEOUT_S = 10.0
# `ip netns add` names: no slashes, no dot names; kept to what the network package creates.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def netns_path(name: str) -> str:
    if not _NAME.fullmatch(name) or name in (".", ".."):
        raise NetworkError(f"not a network namespace name: {name!r}")
    return os.path.join(NETNS_DIR, name)


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.setns(ctypes.c_int(fd), ctypes.c_int(CLONE_NEWNET)) != 0:
        err = ctypes.get_errno()
        raise NetworkError(f"cannot enter the network namespace: {os.strerror(err)}")


def call_in_netns(name: str | None, call: Callable[[], T], timeout_s: float = CALL_TIMEOUT_S) -> T:
    """Run `call` in a new thread that first enters namespace `name` (None: the process's own,
    where the default network's rules live, so no thread); return its result or raise its
    exception. Blocks the calling thread: from a coroutine, call it via `asyncio.to_thread`."""
    if name is None:
        return call()
    path = netns_path(name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise NetworkError(f"no network namespace {name}: {exc.strerror}") from exc
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _setns(fd)
            results.append(call())
        except BaseException as exc:  # handed to the caller's thread
            errors.append(exc)

    try:
        thread = threading.Thread(target=run, name="netns-call", daemon=True)
        thread.start()
        thread.join(timeout_s)
    finally:
        os.close(fd)
    if thread.is_alive():
        raise NetworkError(f"a call in network namespace {name} did not end in {timeout_s:.0f} s")
    if errors:
        raise errors[0]
    return results[0]


def open_socket(name: str | None, family: int, kind: int, protocol: int = 0) -> socket.socket:
    """A socket living in network namespace `name` (e.g. a netlink socket watching its
    netfilter); the caller owns and closes it."""
    return call_in_netns(name, lambda: socket.socket(family, kind | socket.SOCK_CLOEXEC, protocol))


def write_proc_sys(name: str | None, key: str, value: str) -> None:
    """Set a per-namespace sysctl (`net.netfilter.nf_conntrack_acct`): /proc/sys/net shows the
    namespace of the thread that opens the file."""
    if not re.fullmatch(r"net(\.[a-z0-9_]+)+", key):
        raise NetworkError(f"not a network sysctl: {key!r}")
    path = "/proc/sys/" + key.replace(".", "/")

    def write() -> None:
        with open(path, "w", encoding="ascii") as f:
            f.write(value)

    try:
        call_in_netns(name, write)
    except OSError as exc:
        raise NetworkError(f"cannot set {key} in {name}: {exc.strerror}") from exc


def interface_name(name: str | None, index: int) -> str | None:
    """The name of interface `index` in namespace `name` (None: no such interface now)."""

    def lookup() -> str | None:
        try:
            return socket.if_indextoname(index)
        except OSError:
            return None

    return call_in_netns(name, lookup)
