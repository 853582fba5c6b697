"""Framing for the SOCK_SEQPACKET control channels (host <-> zygote, host <-> sandbox).

One datagram = one message: a one-byte kind, then a JSON body; file descriptors ride along as
SCM_RIGHTS. SEQPACKET keeps boundaries, so no length prefix is needed. Standard library only.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import socket
from typing import Any

MAX_MESSAGE = 256 * 1024
MAX_FDS = 4

# kinds
GO = b"O"  # host -> sandbox: uid maps written, cgroups attached
SHELL_READY = b"S"  # sandbox -> host: listening sockets attached (runtime API, SDK API)
CONFIGURE = b"C"  # host -> sandbox: per-environment configuration (contains secrets)
STARTED = b"G"  # sandbox -> host: the guest process was started
SETUP_FAILED = b"E"  # sandbox -> host: {"error": "..."} (never contains tenant data)
REQUEST = b"Q"  # host -> zygote
REPLY = b"R"  # zygote -> host


def send(sock: socket.socket, kind: bytes, body: Any, fds: list[int] | None = None) -> None:
    data = kind + json.dumps(body, separators=(",", ":")).encode()
    if len(data) > MAX_MESSAGE:
        raise ValueError("control message too large")
    if fds:
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())]
        sock.sendmsg([data], anc)
    else:
        sock.sendall(data)


def recv(sock: socket.socket) -> tuple[bytes, Any, list[int]] | None:
    """Blocking receive; None on EOF. Extra or truncated fds are closed, never leaked."""
    fds = array.array("i")
    data, anc, flags, _ = sock.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(MAX_FDS * fds.itemsize))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    received = list(fds)
    if not data:
        for fd in received:
            _close(fd)
        return None
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        for fd in received:
            _close(fd)
        raise ValueError("control message truncated")
    return data[:1], json.loads(data[1:]), received


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
