"""A function that reports what it can reach: connection attempts (bounded in time), name
lookups, an optional listener, and its own address. Used by the network security tests."""

from __future__ import annotations

import json
from typing import Any

from tests.support.packages import make_zip
from tests.support.server import RunningServer

PROBE = r"""
import socket
import time
from concurrent.futures import ThreadPoolExecutor

_listener = None

def _try(target):
    host, port = target
    try:
        with socket.create_connection((host, port), timeout=1.5) as s:
            s.settimeout(1.5)
            return "ok:" + s.recv(64).decode()
    except OSError as exc:
        return "error:" + type(exc).__name__

def _bulk(target, upload):
    host, port, size = target
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=10) as s:
            s.settimeout(30)
            got = 0
            if upload:
                s.sendall(b"\0" * size)
                s.shutdown(socket.SHUT_WR)
                got = int(s.recv(64))
            else:
                s.sendall(f"{size}\n".encode())
                while chunk := s.recv(65536):
                    got += len(chunk)
    except OSError as exc:
        return "error:" + type(exc).__name__
    return {"bytes": got, "seconds": time.monotonic() - started}

def handler(event, context):
    global _listener
    if "download" in event:
        return {"download": _bulk(event["download"], False)}
    if "upload" in event:
        return {"upload": _bulk(event["upload"], True)}
    if "sdk" in event:  # one call through the SDK, no retries, short timeouts
        import boto3
        from botocore.config import Config

        quick = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})
        try:
            who = boto3.client(event["sdk"], config=quick).get_caller_identity()
            return {"sdk": "ok:" + who["Account"]}
        except Exception as exc:
            return {"sdk": "error:" + type(exc).__name__}
    if "burst" in event:  # n connections at once to one place: how many were opened
        host, port, n = event["burst"]
        with ThreadPoolExecutor(n) as pool:
            results = list(pool.map(_try, [(host, port)] * n))
        return {"opened": sum(r.startswith("ok:") for r in results), "tried": n}
    if event.get("listen") and _listener is None:
        _listener = socket.socket()
        _listener.bind(("0.0.0.0", 7000))
        _listener.listen(8)
    names = {}
    for name in event.get("resolve", []):
        try:
            names[name] = socket.gethostbyname(name)
        except OSError as exc:
            names[name] = "error:" + type(exc).__name__
    targets = [tuple(t) for t in event.get("targets", [])]
    with ThreadPoolExecutor(max(1, len(targets))) as pool:
        results = list(pool.map(_try, targets))
    out = {f"{h}:{p}": r for (h, p), r in zip(targets, results)} | names
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        try:
            u.connect(("198.18.0.1", 9))
            out["self"] = u.getsockname()[0]
        except OSError:
            out["self"] = None
    return out
"""


def create_probe(server: RunningServer, name: str, role: str | None = None, **extra: Any) -> None:
    client = server.client("lambda")
    client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role or f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="probe.handler",
        Code={"ZipFile": make_zip({"probe.py": PROBE})},
        Timeout=30,
        **extra,
    )
    client.get_waiter("function_active_v2").wait(FunctionName=name)


def invoke_probe(server: RunningServer, name: str, event: dict[str, Any]) -> dict[str, Any]:
    answer = server.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event))
    body = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, body
    assert isinstance(body, dict)
    return body
