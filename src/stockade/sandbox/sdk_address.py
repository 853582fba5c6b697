"""Where SDKs inside an execution environment reach Stockade: at the server's own URL.

A URL the API hands out (a QueueUrl, a code download location) is built from the address the
client used. For it to work unchanged inside a function as outside - the JavaScript SDK v3
sends SQS calls to the QueueUrl's host - the guest reaches the SDK channel at the server's own
scheme, host and port: the channel listens on that port in the guest's network namespace,
speaks TLS when the server does (the guest trusts the server's CA through AWS_CA_BUNDLE and
NODE_EXTRA_CA_CERTS), the server's host name resolves to loopback in the guest's /etc/hosts,
and a non-loopback IPv4 address of the server is added to the guest's loopback interface.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# Where the guest finds the server's CA (a file of its generic /etc, public data).
GUEST_CA_FILE = "/etc/stockade-ca.pem"
_ETC_CA_NAME = GUEST_CA_FILE.rsplit("/", 1)[1]
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")


@dataclass(frozen=True)
class SdkAddress:
    url: str  # the server's URL, as clients outside use it
    ca_pem: str | None = field(default=None, repr=False)  # None: the guest's default CAs

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.port is None:
            raise ValueError(f"the SDK address needs scheme://host:port, not {self.url!r}")
        ip = _ip(parts.hostname)
        if ip is not None and ip.version != 4:
            raise ValueError("the SDK channel reaches IPv4 addresses and host names only")
        if ip is None and not _HOST_NAME.fullmatch(parts.hostname):
            raise ValueError(f"not a host name: {parts.hostname!r}")

    @classmethod
    def for_server(cls, url: str, ca_pem: str | None) -> SdkAddress:
        """The guest's address of a server at `url`. The channel in the guest is IPv4 only: a
        server on an IPv6 address is reached as `localhost` there (its certificate names it),
        and URLs handed out to clients using the IPv6 address do not work inside functions."""
        parts = urlsplit(url)
        ip = _ip(parts.hostname or "")
        if ip is not None and ip.version == 6:
            url = f"{parts.scheme}://localhost:{parts.port}"
        return cls(url, ca_pem)

    @property
    def host(self) -> str:
        host = urlsplit(self.url).hostname
        assert host is not None
        return host

    @property
    def port(self) -> int:
        port = urlsplit(self.url).port
        assert port is not None
        return port

    @property
    def endpoint(self) -> str:
        """AWS_ENDPOINT_URL in the guest: the server's URL, without a trailing slash."""
        return self.url.rstrip("/")

    @property
    def ca_file(self) -> str | None:
        return GUEST_CA_FILE if self.ca_pem is not None else None

    def loopback_addresses(self) -> list[str]:
        """IPv4 addresses the guest's lo must carry besides 127.0.0.1."""
        ip = _ip(self.host)
        if ip is None or ip.is_loopback or ip.is_unspecified:
            return []
        return [str(ip)]

    def etc_files(self) -> dict[str, str]:
        """Additions to the guest's /etc: the host name in `hosts`, the CA file."""
        files: dict[str, str] = {}
        if _ip(self.host) is None and self.host != "localhost":
            files["hosts"] = f"127.0.0.1\t{self.host}\n"
        if self.ca_pem is not None:
            files[_ETC_CA_NAME] = self.ca_pem
        return files

    def to_wire(self) -> dict[str, Any]:
        """As the zygote hands it to every shell it spawns."""
        return {
            "port": self.port,
            "loopback_addresses": self.loopback_addresses(),
            "etc": self.etc_files(),
        }


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
