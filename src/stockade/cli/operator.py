"""How operator commands reach the kernel: through the running server's operator socket in the
data dir, or, with no server, through an in-process kernel that holds the data dir. Either way
the command is one audited request of the operator API, made as this host user."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from stockade.api.operator_address import SOCKET_NAME, TARGET_PREFIX
from stockade.cli.options import data_dir_option
from stockade.config import Settings
from stockade.datadir import DataDirError
from stockade.errors import StockadeError

F = TypeVar("F", bound=Callable[..., Any])
_TIMEOUT_S = 120.0
_RESPONSE_MAX = 64 * 1024 * 1024


class OperatorError(click.ClickException):
    """What the operator API refused, with its code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def account_options(f: F) -> F:
    f = click.option("--account", help="Account id (default: the data dir's default account).")(f)
    return data_dir_option(f)


def with_account(params: dict[str, Any], account: str | None) -> dict[str, Any]:
    return {**params, "AccountId": account} if account else params


def operator_call(data_dir: Path, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run one operator operation; its answer, or OperatorError."""
    body = json.dumps(params).encode()
    answered = _over_socket(data_dir, operation, body)
    if answered is None:
        answered = _in_process(data_dir, operation, body)
    status, text = answered
    found = json.loads(text) if text.strip() else {}
    if status >= 300:
        code = str(found.get("__type", "InternalFailure")).rpartition("#")[2]
        raise OperatorError(code, str(found.get("message") or found.get("Message") or code))
    return found if isinstance(found, dict) else {}


def _over_socket(data_dir: Path, operation: str, body: bytes) -> tuple[int, bytes] | None:
    """The running server's answer; None when no server listens on the data dir."""
    if not (data_dir / SOCKET_NAME).exists():
        return None
    directory = os.open(data_dir, os.O_PATH | os.O_CLOEXEC)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(_TIMEOUT_S)
            try:
                sock.connect(f"/proc/self/fd/{directory}/{SOCKET_NAME}")
            except (ConnectionRefusedError, FileNotFoundError):
                return None  # left behind by a server that is gone
            head = (
                "POST / HTTP/1.1\r\nHost: operator\r\n"
                f"X-Amz-Target: {TARGET_PREFIX}.{operation}\r\n"
                "Content-Type: application/x-amz-json-1.1\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            sock.sendall(head.encode("ascii") + body)
            return _parse_response(_read_all(sock))
    finally:
        os.close(directory)


def _read_all(sock: socket.socket) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := sock.recv(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > _RESPONSE_MAX:
            raise click.ClickException("The server's answer is too large.")
    return b"".join(chunks)


def _parse_response(data: bytes) -> tuple[int, bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isascii() or not status_line[1].isdigit():
        raise click.ClickException("The server's operator socket gave no HTTP answer.")
    return int(status_line[1]), body


def _in_process(data_dir: Path, operation: str, body: bytes) -> tuple[int, bytes]:
    from stockade.wiring.operator import offline_operator  # noqa: PLC0415 - heavy import

    try:
        with offline_operator(Settings(data_dir=data_dir.resolve())) as offline:
            response = offline.call(operation, body)
    except (DataDirError, StockadeError) as exc:
        raise click.ClickException(str(exc)) from exc
    return response.status, response.body
