"""Run a real Stockade server in a subprocess, on a free port, with its own data dir."""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningServer:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    endpoint: dict[str, Any] = field(default_factory=dict)
    url_port: int = 0  # the function URL listener's

    @property
    def url(self) -> str:
        return str(self.endpoint.get("url") or f"https://127.0.0.1:{self.port}")

    @property
    def ca_bundle(self) -> str | None:
        """The server's own CA (HTTPS with its local certificate), if it uses one."""
        found = self.endpoint.get("ca_bundle")
        return str(found) if found else None

    def ssl_context(self) -> ssl.SSLContext | None:
        """For urllib: verifies the server's certificate against its CA."""
        return ssl.create_default_context(cafile=self.ca_bundle) if self.ca_bundle else None

    @property
    def verify(self) -> bool | str:
        """For boto3's `verify`."""
        return self.ca_bundle or True

    @property
    def region(self) -> str:
        return str(self.endpoint["region"])

    @property
    def account_id(self) -> str:
        return str(self.endpoint["account_id"])

    def credentials(self) -> tuple[str, str]:
        parser = configparser.ConfigParser()
        parser.read(self.data_dir / "credentials")
        section = parser["stockade"]
        return section["aws_access_key_id"], section["aws_secret_access_key"]

    def client(self, service: str, *, validate: bool = True, **overrides: Any) -> Any:
        """A boto3 client for this server; `validate=False` turns off botocore's client-side
        parameter validation so that tests reach the server's own."""
        key, secret = overrides.pop("credentials", None) or self.credentials()
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=Config(retries={"total_max_attempts": 1}, parameter_validation=validate),
            verify=self.verify,
            **overrides,
        )

    def cli_env(self) -> dict[str, str]:
        """Environment for the `aws` CLI pointed at this server through the written files."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_CONFIG_FILE=str(self.data_dir / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(self.data_dir / "credentials"),
            AWS_PROFILE="stockade",
        )
        if self.ca_bundle:
            env["AWS_CA_BUNDLE"] = self.ca_bundle
        return env

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


# How the server is started by default: this interpreter, with the worktree's package.
STOCKADE = (sys.executable, "-m", "stockade")


def start_server(
    data_dir: Path,
    port: int | None = None,
    *extra: str,
    env_extra: Mapping[str, str] | None = None,
    command: Sequence[str] = STOCKADE,
    cwd: Path = REPO,
) -> RunningServer:
    """`command serve ...` (`command`: how to run `stockade`, e.g. an installed script, or a
    shell that sets the umask first and then execs it)."""
    port = port or free_port()
    if "--function-url-port" not in extra:  # the default, --port + 1, may be taken here
        extra = (*extra, "--function-url-port", str(free_port()))
    url_port = int(extra[extra.index("--function-url-port") + 1])
    log_path = data_dir.parent / f"{data_dir.name}-server-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | dict(env_extra or {})
    with log_path.open("ab") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [*command, "serve", "--port", str(port), "--data-dir", str(data_dir), *extra],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
        )
    server = RunningServer(data_dir, port, process, log_path, url_port=url_port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        with contextlib.suppress(OSError, ValueError):
            # endpoint.json is written before the server listens: it says http or https.
            server.endpoint = json.loads((data_dir / "endpoint.json").read_text())
            health = f"{server.url}/_stockade/health"
            with urllib.request.urlopen(health, timeout=2, context=server.ssl_context()):
                return server
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"server did not come up in time:\n{server.log()}")


@contextlib.contextmanager
def running_server(data_dir: Path, *extra: str) -> Iterator[RunningServer]:
    server = start_server(data_dir, None, *extra)
    try:
        yield server
    finally:
        server.stop()
