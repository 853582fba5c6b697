"""The data directory: first-start bootstrap, the files tools read, the single-server lock.

Layout (all private to the server user: files 0600, directories 0700, see private_files):
    stockade.db            SQLite store (WAL), and logs.db, queues.db, keys.db, stats.db
    artifacts/             content-addressed packages (sealed)
    audit/                 journal, signed log and digest files, lookup index, event selectors
    keys/                  server secrets (root key, link-signing key, audit signing key)
    tls/                   the local CA and server certificate (when no operator certificate)
    credentials, config    AWS shared-credentials/config files for profile `stockade`
    endpoint.json          where the server is and how to reach it
    server.lock            held while a server runs
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stockade.config import PROFILE, Settings
from stockade.crypto import tls
from stockade.crypto.root_key import RootKeyProvider
from stockade.private_files import FILE_MODE, make_dir, write_file


class DataDirError(Exception):
    """The data directory cannot be used (locked by another server, wrong permissions...)."""


@dataclass(frozen=True)
class AdminCredentials:
    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)


def prepare(settings: Settings) -> None:
    """The data dir and its keys/ directory, private (see `stockade.private_files`)."""
    make_dir(settings.data_dir)
    make_dir(settings.keys)


def lock(settings: Settings) -> int:
    """Hold the data dir for this process; a second server on the same dir is refused."""
    fd = os.open(settings.lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise DataDirError(
            f"another Stockade server is using {settings.data_dir} (lock: {settings.lock_file})"
        ) from exc
    return fd


def secret_key(path: Path, size: int = 32) -> bytes:
    """Read a server secret, creating it (0600) on first use."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(size)
    write_file(path, key)
    return key


def write_client_files(settings: Settings, admin: AdminCredentials) -> None:
    """Shared credentials/config files so that boto3 and the AWS CLI work as-is."""
    write_file(
        settings.credentials_file,
        (
            f"[{PROFILE}]\n"
            f"aws_access_key_id = {admin.access_key_id}\n"
            f"aws_secret_access_key = {admin.secret_access_key}\n"
        ).encode(),
    )
    write_config_file(settings)


def write_config_file(settings: Settings) -> None:
    lines = f"[profile {PROFILE}]\nregion = {settings.region}\nendpoint_url = {settings.url}\n"
    if settings.ca_bundle is not None:
        lines += f"ca_bundle = {settings.ca_bundle.resolve()}\n"
    write_file(settings.config_file, lines.encode())


def write_endpoint(settings: Settings, account_id: str) -> None:
    document = {
        "url": settings.url,
        "region": settings.region,
        "account_id": account_id,
        "credentials_file": str(settings.credentials_file.resolve()),
        "config_file": str(settings.config_file.resolve()),
        "profile": PROFILE,
    }
    if settings.ca_bundle is not None:
        document["ca_bundle"] = str(settings.ca_bundle.resolve())
    write_file(settings.endpoint_file, (json.dumps(document, indent=2) + "\n").encode())


def read_endpoint(data_dir: Path) -> dict[str, str] | None:
    try:
        loaded = json.loads((data_dir / "endpoint.json").read_text())
    except (FileNotFoundError, ValueError):
        return None
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else None


@dataclass(frozen=True)
class ServerTls:
    cert_file: Path
    key_file: Path
    key_password: bytes | None = field(default=None, repr=False)


def server_tls(settings: Settings, root: RootKeyProvider) -> ServerTls | None:
    """The certificate the server presents: the operator's, or its own local CA's (created
    on first start, renewed when it has less than 30 days left)."""
    if settings.insecure_http:
        return None
    if settings.tls_cert_file is not None and settings.tls_key_file is not None:
        return ServerTls(settings.tls_cert_file, settings.tls_key_file)
    directory = settings.tls_dir
    make_dir(directory)
    cert, key, wrapped = directory / "server.pem", directory / "server.key", directory / "server.pw"
    fresh = cert.exists() and key.exists() and wrapped.exists()
    hosts = sorted(
        {"localhost", settings.host, *settings.function_url_host_names}
        - {"0.0.0.0", "::", "127.0.0.1", "::1"}  # noqa: S104
    )
    if fresh:
        left = tls.certificate_expires(cert.read_bytes()) - datetime.now(UTC)
        # A new URL domain needs a certificate that names it.
        fresh = left > timedelta(days=30) and set(hosts) <= tls.certificate_host_names(
            cert.read_bytes()
        )
    if not fresh:
        issued = tls.issue_local_tls(root, hosts or ["localhost"], ["127.0.0.1", "::1"], "Stockade")
        write_file(directory / "ca.pem", issued.ca_pem)
        write_file(key, issued.key_pem)
        write_file(wrapped, issued.wrapped_password)
        write_file(cert, issued.server_pem)
    return ServerTls(cert, key, tls.key_password(root, wrapped.read_bytes()))
