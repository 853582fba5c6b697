"""`stockade serve` and `stockade status`."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path

import click

from stockade import __version__
from stockade.api.edge_limits import EdgeLimits
from stockade.cli.access_log import buffered_access_log
from stockade.cli.edge_options import edge_options
from stockade.cli.options import data_dir_option
from stockade.config import (
    DEFAULT_ELASTIC_IP_POOL,
    DEFAULT_HOST,
    DEFAULT_PORT,
    PROFILE,
    Settings,
)
from stockade.datadir import DataDirError, read_endpoint
from stockade.domain.egress import checked_pool


def _ipv4_block(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        block = ipaddress.IPv4Network(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an IPv4 block: {exc}") from exc
    if block.prefixlen > 26:
        raise click.BadParameter(f"{value} is too small: /26 or larger")
    return str(block)


def _blocks(_: click.Context, __: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return tuple(str(ipaddress.ip_network(value)) for value in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _addresses(_: click.Context, __: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return tuple(str(ipaddress.ip_address(value)) for value in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _bindings(
    _: click.Context, __: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        subnet, _sep, bridge = value.partition("=")
        if not re.fullmatch(r"subnet-[0-9a-f]{8,17}", subnet) or not re.fullmatch(
            r"[A-Za-z0-9_.-]{1,15}", bridge
        ):
            raise click.BadParameter(f"{value!r} is not SUBNET=BRIDGE (subnet-..., an interface)")
        pairs.append((subnet, bridge))
    return tuple(pairs)


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port.")
@click.option(
    "--unsafe-no-sandbox",
    is_flag=True,
    help="DEVELOPMENT ONLY: run function code as plain host processes, without isolation.",
)
@click.option(
    "--async-retry-delay",
    type=click.FloatRange(0.1, 600),
    default=60.0,
    show_default=True,
    help="Seconds before the first retry of a failed asynchronous event (then twice that).",
)
@click.option(
    "--concurrency-limit",
    type=click.IntRange(100, 100_000),
    default=1000,
    show_default=True,
    help="Concurrent executions per account.",
)
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM certificate chain to serve (default: a local CA's, created in the data dir).",
)
@click.option(
    "--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Its key."
)
@click.option(
    "--insecure-http",
    is_flag=True,
    help="DEVELOPMENT ONLY: serve plain HTTP instead of HTTPS.",
)
@click.option(
    "--audit-period",
    type=click.FloatRange(1, 3600),
    default=300.0,
    show_default=True,
    help="Seconds between deliveries of the audit journal into signed log and digest files.",
)
@click.option(
    "--audit-data-events",
    is_flag=True,
    help="Audit every account's data events (Invoke, queue message operations), not only"
    " management events and the invocations accounts select with PutEventSelectors.",
)
@click.option(
    "--audit-retention-days",
    type=click.IntRange(1, 3650),
    default=90,
    show_default=True,
    help="How many days of audit events LookupEvents keeps (the signed trail keeps all).",
)
@click.option(
    "--storage-busy-timeout",
    type=click.FloatRange(0.1, 60),
    default=10.0,
    show_default=True,
    help="Seconds a write waits for another process's lock on the data dir's databases before"
    " the request fails with its service's internal error (500).",
)
@click.option(
    "--function-network",
    type=click.Choice(["default", "none"]),
    default="default",
    show_default=True,
    help="Network of functions without a VpcConfig: 'default' is Lambda's (outbound through"
    " NAT; no inbound; never the host, other environments, link-local or private ranges),"
    " 'none' is loopback and the API channel only. 'default' needs CAP_NET_ADMIN.",
)
@click.option(
    "--function-network-block",
    callback=_ipv4_block,
    help="IPv4 block for the default network's environments (default: a free /22 of"
    " 100.92.0.0/14).",
)
@click.option(
    "--function-network-allow",
    multiple=True,
    callback=_blocks,
    metavar="CIDR",
    help="A private, shared or link-local range the default network may reach (repeatable).",
)
@click.option(
    "--function-network-resolver",
    multiple=True,
    callback=_addresses,
    metavar="IP",
    help="DNS server the default network's resolver asks (repeatable; default: the host's,"
    " from /etc/resolv.conf).",
)
@click.option(
    "--function-network-bandwidth",
    type=click.IntRange(1, 100_000),
    default=100,
    show_default=True,
    metavar="MBIT",
    help="Bandwidth of each environment, each direction, in Mbit/s (shaped).",
)
@click.option(
    "--function-network-connection-rate",
    type=click.IntRange(1, 1_000_000),
    default=200,
    show_default=True,
    help="New connections per second an environment may open (twice that in a burst).",
)
@click.option(
    "--flow-log-window",
    type=click.IntRange(1, 600),
    default=60,
    show_default=True,
    metavar="SECONDS",
    help="Capture window of flow-log records (and of the default network's rejected"
    " attempts): flows are aggregated over this long, then delivered (AWS's maximum"
    " aggregation interval is 60 or 600 s).",
)
@click.option(
    "--subnet-binding",
    multiple=True,
    callback=_bindings,
    metavar="SUBNET=BRIDGE",
    help="Bind a VPC subnet (subnet-...) to a Linux bridge of this host: functions in the"
    " subnet reach that network, under their security groups (repeatable).",
)
@click.option(
    "--elastic-ip-pool",
    metavar="CIDR",
    callback=lambda _ctx, _param, value: _pool(str(value)),
    default=DEFAULT_ELASTIC_IP_POOL,
    show_default=True,
    help="The IPv4 block (/16 to /30) AllocateAddress draws Elastic IPs from.",
)
@click.option(
    "--function-url-port",
    type=click.IntRange(1, 65535),
    help="Port of the function URL listener, on the same address (default: --port + 1).",
)
@click.option(
    "--function-url-domain",
    metavar="DOMAIN",
    help="Serve function URLs by host name, <url-id>.lambda-url.<region>.DOMAIN (wildcard DNS"
    " to this server; the local certificate names it). Default: by path prefix,"
    " https://HOST:PORT/<url-id>/.",
)
@edge_options
@data_dir_option
def serve(
    host: str,
    port: int,
    unsafe_no_sandbox: bool,
    async_retry_delay: float,
    concurrency_limit: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    insecure_http: bool,
    audit_period: float,
    audit_data_events: bool,
    audit_retention_days: int,
    storage_busy_timeout: float,
    function_network: str,
    function_network_block: str | None,
    function_network_allow: tuple[str, ...],
    function_network_resolver: tuple[str, ...],
    function_network_bandwidth: int,
    function_network_connection_rate: int,
    flow_log_window: int,
    subnet_binding: tuple[tuple[str, str], ...],
    data_dir: Path,
    edge: EdgeLimits,
    trusted_proxies: tuple[str, ...],
    elastic_ip_pool: str,
    function_url_port: int | None,
    function_url_domain: str | None,
) -> None:
    """Run the Stockade server with embedded defaults (SQLite, local data dir)."""
    from stockade.api.forwarded import TrustedProxies  # noqa: PLC0415
    from stockade.api.server import UrlListener  # noqa: PLC0415 - heavy import
    from stockade.api.server import serve as run_server  # noqa: PLC0415 - heavy import
    from stockade.wiring import build  # noqa: PLC0415

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings(
        data_dir=data_dir.resolve(),
        host=host,
        port=port,
        unsafe_no_sandbox=unsafe_no_sandbox,
        async_retry_base_delay_s=async_retry_delay,
        concurrency_limit=concurrency_limit,
        tls_cert_file=tls_cert,
        tls_key_file=tls_key,
        insecure_http=insecure_http,
        audit_period_s=audit_period,
        audit_data_events=audit_data_events,
        audit_retention_days=audit_retention_days,
        storage_busy_timeout_s=storage_busy_timeout,
        function_network=function_network,
        function_network_block=function_network_block,
        function_network_allow=function_network_allow,
        function_network_resolvers=function_network_resolver,
        subnet_bindings=subnet_binding,
        flow_log_window_s=flow_log_window,
        function_network_bandwidth_mbit=function_network_bandwidth,
        function_network_connection_rate=function_network_connection_rate,
        edge=edge,
        trusted_proxies=trusted_proxies,
        elastic_ip_pool=elastic_ip_pool,
        function_url_port=function_url_port,
        function_url_domain=function_url_domain.strip(".").lower() if function_url_domain else None,
    )
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    if insecure_http:
        logging.getLogger("stockade").warning(
            "SERVING PLAIN HTTP (--insecure-http): credentials' signatures and payloads travel"
            " unencrypted. Never use this in production."
        )
    try:
        stockade = build(settings)
    except DataDirError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        _greet(settings, stockade.account_id, stockade.admin is not None)
        with buffered_access_log(logging.getLogger().handlers[0]):
            run_server(
                stockade.app,
                host,
                port,
                stockade.adopter,
                stockade.tls,
                settings.edge,
                TrustedProxies.parse(settings.trusted_proxies),
                None if stockade.url_app is None else UrlListener(
                    stockade.url_app, host, settings.url_port
                ),
            )  # fmt: skip
    finally:
        stockade.close()


def _greet(settings: Settings, account_id: str, first_start: bool) -> None:
    d = settings.data_dir
    lines = [
        f"Stockade {__version__} on {settings.url} (region {settings.region},"
        f" account {account_id})",
        f"Data dir: {d}",
        f"Function URLs: {settings.url_naming.url('<url-id>', settings.region)}",
    ]
    if first_start:
        lines.append(f"Created the administrator access key in {settings.credentials_file}")
    # An AWS_CA_BUNDLE already in the user's environment outranks the config file's ca_bundle
    # in botocore, so the export names ours too.
    ca = f" AWS_CA_BUNDLE={settings.ca_bundle}" if settings.ca_bundle is not None else ""
    lines += [
        "",
        "AWS CLI:",
        f"  export AWS_CONFIG_FILE={settings.config_file}"
        f" AWS_SHARED_CREDENTIALS_FILE={settings.credentials_file} AWS_PROFILE={PROFILE}{ca}",
        "  aws lambda list-functions",
        "boto3 (same environment variables; endpoint and region come from the profile):",
        '  boto3.client("lambda")',
        "",
    ]
    if settings.ca_bundle is not None:
        lines += [
            f"TLS: the certificate is signed by this server's own CA, {settings.ca_bundle}",
            "",
        ]
    click.echo("\n".join(lines), err=True)


@click.command()
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="Server URL.")
@data_dir_option
def status(endpoint_url: str | None, data_dir: Path) -> None:
    """Report whether the server is up (exit status 0 when it is)."""
    endpoint = read_endpoint(data_dir) or {}
    url = endpoint_url or endpoint.get("url")
    local_ca = endpoint.get("ca_bundle") if endpoint_url is None else None
    ca_bundle = local_ca or os.environ.get("AWS_CA_BUNDLE")
    context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else None
    if not url:
        click.echo(f"down: no endpoint.json in {data_dir} and no --endpoint-url")
        sys.exit(1)
    try:
        health = f"{url}/_stockade/health"
        with urllib.request.urlopen(health, timeout=5, context=context) as reply:  # noqa: S310
            health = json.loads(reply.read())
    except (OSError, ValueError, urllib.error.URLError) as exc:
        click.echo(f"down: {url} ({exc})")
        sys.exit(1)
    click.echo(f"up: {url} (Stockade {health.get('version', '?')})")


def _pool(value: str) -> str:
    try:
        return checked_pool(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value[:64]} is not an IPv4 block of /16 to /30") from exc
