"""HTTPS by default with TLS 1.2 or newer; plain HTTP only when asked for."""

from __future__ import annotations

import json
import socket
import ssl
import urllib.request
import warnings
from pathlib import Path

import pytest

from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.integration


def test_server_speaks_tls_verified_by_its_own_ca(server: RunningServer) -> None:
    assert server.url.startswith("https://127.0.0.1:")
    assert server.ca_bundle is not None
    assert json.loads((server.data_dir / "endpoint.json").read_text())["ca_bundle"]
    assert f"ca_bundle = {server.ca_bundle}" in (server.data_dir / "config").read_text()
    with urllib.request.urlopen(
        f"{server.url}/_stockade/health", timeout=10, context=server.ssl_context()
    ) as reply:
        assert reply.status == 200
    # boto3 verifies the certificate with the CA bundle.
    assert "Functions" in server.client("lambda").list_functions()


def test_old_tls_versions_and_plain_http_are_refused(server: RunningServer) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # asking for old TLS on purpose
        old = ssl.create_default_context(cafile=server.ca_bundle)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        urllib.request.urlopen(f"{server.url}/_stockade/health", timeout=10, context=old)
    assert not plaintext_answer(server.port)


def plaintext_answer(port: int) -> bool:
    """Whether a plain HTTP request gets a successful HTTP answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /_stockade/health HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            reply = sock.recv(64)
        except OSError:
            return False
    return reply.startswith(b"HTTP/1.1 200")


def test_without_the_ca_the_certificate_is_not_trusted(server: RunningServer) -> None:
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(
            f"{server.url}/_stockade/health", timeout=10, context=ssl.create_default_context()
        )


def test_plain_http_only_with_the_explicit_flag(tmp_path: Path) -> None:
    with running_server(tmp_path / "data", "--insecure-http") as server:
        assert server.url.startswith("http://")
        assert server.ca_bundle is None
        assert "Functions" in server.client("lambda").list_functions()
        assert "SERVING PLAIN HTTP" in server.log()
