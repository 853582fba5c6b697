"""Settings for one Stockade server: frozen, read by the composition root and the CLI only."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from stockade.api.edge_limits import EdgeLimits
from stockade.domain.function_url import UrlNaming
from stockade.types import Region

DEFAULT_PORT = 9000
DEFAULT_HOST = "127.0.0.1"
DEFAULT_REGION = Region("us-east-1")
# Elastic IPs are drawn from this block: RFC 5737's TEST-NET-2, documentation addresses that
# route nowhere, unless the operator names addresses of their own.
DEFAULT_ELASTIC_IP_POOL = "198.51.100.0/24"
PROFILE = "stockade"


def default_data_dir() -> Path:
    return Path(os.environ.get("STOCKADE_DATA_DIR", ".stockade"))


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    region: Region = DEFAULT_REGION
    # TLS: an operator's certificate and key, or (by default) a local CA and certificate that
    # the server creates in the data dir. Plain HTTP only when asked for explicitly.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    insecure_http: bool = False
    # Runs function code WITHOUT isolation; only for development on hosts that lack the
    # kernel features. Refused unless asked for explicitly, and logged loudly.
    unsafe_no_sandbox: bool = False
    # Functions without a VpcConfig: "default" (Lambda's model: outbound through NAT, no
    # inbound, never the host, other environments or private ranges) or "none" (loopback and
    # the channel to the API only). `function_network_block` fixes the environments' address
    # block (default: a free /22 of 100.92.0.0/14); `..._allow` opens blocked ranges.
    function_network: str = "default"
    function_network_block: str | None = None
    function_network_allow: tuple[str, ...] = ()
    function_network_resolvers: tuple[str, ...] = ()  # the environments' DNS; () the host's
    # Per environment, each direction; and new connections per second (then dropped).
    function_network_bandwidth_mbit: int = 100
    function_network_connection_rate: int = 200
    # VPC subnets bound to host networks: (subnet id, Linux bridge) pairs. A subnet without a
    # binding is an isolated network.
    subnet_bindings: tuple[tuple[str, str], ...] = ()
    # Flow-log records cover windows of this many seconds (AWS: at most 60 or 600).
    flow_log_window_s: int = 60
    max_environments: int = 600
    concurrency_limit: int = 1000  # per account, as Lambda's default quota
    scale_up_per_10s: int = 1000  # new environments per function per 10 s (Lambda's rate)
    # Asynchronous retries wait base, then 2 x base (Lambda: one minute, then two).
    async_retry_base_delay_s: float = 60.0
    environment_keep_alive_s: float = 300.0
    environment_max_lifetime_s: float = 14 * 3600.0
    # The audit trail rolls its journal into signed files this often (and on shutdown).
    audit_period_s: float = 300.0
    audit_data_events: bool = False  # Invoke and queue message operations too
    audit_retention_days: int = 90  # how far back LookupEvents sees (CloudTrail's event history)
    # How long a write waits for another process's lock on a database (an operator command)
    # before its request fails with the service's internal error. AWS documents no value.
    storage_busy_timeout_s: float = 10.0
    # The HTTP edge's limits (docs/limits.md), and the proxies whose forwarded-for headers are
    # believed (CIDRs; none by default: the socket's peer is the client).
    edge: EdgeLimits = field(default_factory=EdgeLimits)
    trusted_proxies: tuple[str, ...] = ()
    elastic_ip_pool: str = DEFAULT_ELASTIC_IP_POOL  # an IPv4 block, /16 to /30
    # The function URL listener: its port (None: the API's port + 1), and the domain whose
    # wildcard `*.lambda-url.<region>.<domain>` resolves to it (None: URLs by path prefix).
    function_url_port: int | None = None
    function_url_domain: str | None = None

    @property
    def audit(self) -> Path:
        return self.data_dir / "audit"

    @property
    def database(self) -> Path:
        return self.data_dir / "stockade.db"

    @property
    def artifacts(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def logs_database(self) -> Path:
        return self.data_dir / "logs.db"

    @property
    def queues_database(self) -> Path:
        return self.data_dir / "queues.db"

    @property
    def stats_database(self) -> Path:
        return self.data_dir / "stats.db"

    @property
    def keys_database(self) -> Path:
        return self.data_dir / "keys.db"

    @property
    def keys(self) -> Path:
        return self.data_dir / "keys"

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / "credentials"

    @property
    def config_file(self) -> Path:
        return self.data_dir / "config"

    @property
    def endpoint_file(self) -> Path:
        return self.data_dir / "endpoint.json"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "server.lock"

    @property
    def tls_dir(self) -> Path:
        return self.data_dir / "tls"

    @property
    def ca_bundle(self) -> Path | None:
        """The CA clients verify the server with, when the server made its own certificate."""
        if self.insecure_http or self.tls_cert_file is not None:
            return None
        return self.tls_dir / "ca.pem"

    @property
    def url_port(self) -> int:
        return self.port + 1 if self.function_url_port is None else self.function_url_port

    @property
    def function_url_host_names(self) -> tuple[str, ...]:
        """The names the server's own certificate must also cover for function URLs."""
        domain = self.function_url_domain
        return () if domain is None else (f"*.lambda-url.{self.region}.{domain}",)

    @property
    def url_naming(self) -> UrlNaming:
        """What the API answers as a function URL: the listener, as clients reach it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if host in ("0.0.0.0", "[::]"):  # noqa: S104 - listening everywhere: name loopback
            host = "localhost"
        scheme = "http" if self.insecure_http else "https"
        return UrlNaming(
            domain=self.function_url_domain,
            base=f"{scheme}://{host}:{self.url_port}",
            port=self.url_port,
            scheme=scheme,
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "http" if self.insecure_http else "https"
        return f"{scheme}://{host}:{self.port}"
