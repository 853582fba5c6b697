"""`stockade serve` options for the HTTP edge: its limits (docs/limits.md) and trusted proxies.

The decorator adds the options and hands the command two values instead of a dozen:
`edge` (an EdgeLimits) and `trusted_proxies` (the CIDRs, already checked).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from stockade.api.edge_limits import EdgeLimits
from stockade.api.forwarded import TrustedProxies

F = TypeVar("F", bound=Callable[..., Any])

_DEFAULTS = EdgeLimits()

# (option, EdgeLimits field, type, help)
_LIMITS: tuple[tuple[str, str, click.ParamType[Any], str], ...] = (
    ("--max-connections", "max_connections", click.IntRange(1, 1_000_000),
     "Open TCP connections, all clients together."),
    ("--max-connections-per-source", "max_connections_per_source", click.IntRange(1, 1_000_000),
     "Open TCP connections from one source address (trusted proxies are exempt)."),
    ("--max-channel-connections", "max_channel_connections", click.IntRange(1, 1_000_000),
     "Open connections from execution environments to the API, all together."),
    ("--max-channel-connections-per-account", "max_channel_connections_per_account",
     click.IntRange(1, 1_000_000), "Open connections from one account's execution environments."),
    ("--max-channel-connections-per-environment", "max_channel_connections_per_environment",
     click.IntRange(1, 100_000), "Open connections from one execution environment."),
    ("--max-request-line-bytes", "request_line_bytes", click.IntRange(256, 1_048_576),
     "Longest request URL, in bytes (414 beyond)."),
    ("--max-header-bytes", "header_bytes", click.IntRange(1024, 1_048_576),
     "Request line and header values together, in bytes (431 beyond)."),
    ("--max-header-count", "header_count", click.IntRange(8, 10_000),
     "Headers in one request (431 beyond)."),
    ("--header-timeout", "header_timeout_s", click.FloatRange(0.5, 600),
     "Seconds from a request's first byte to the end of its head (and for a TLS handshake)."),
    ("--body-timeout", "body_timeout_s", click.FloatRange(0.5, 3600),
     "Seconds a request body may take, plus one per --body-min-rate bytes received."),
    ("--body-min-rate", "body_min_rate", click.IntRange(1, 1 << 30),
     "Bytes per second a slow body must keep up to extend --body-timeout."),
    ("--keep-alive-timeout", "keep_alive_timeout_s", click.FloatRange(0.5, 3600),
     "Seconds an open connection may wait for its next request."),
)  # fmt: skip

LIMIT_OPTIONS = tuple((option, field) for option, field, *_ in _LIMITS)
OPTION_NAMES = (*(option for option, _ in LIMIT_OPTIONS), "--trusted-proxy")


def _check_proxies(
    _: click.Context, __: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    try:
        TrustedProxies.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    return value


def edge_options(f: F) -> F:
    @functools.wraps(f)
    def command(*args: Any, **kwargs: Any) -> Any:
        values = {
            field: kwargs.pop(option.lstrip("-").replace("-", "_")) for option, field, *_ in _LIMITS
        }
        edge = EdgeLimits(**values)
        return f(*args, edge=edge, trusted_proxies=kwargs.pop("trusted_proxy"), **kwargs)

    decorated: Callable[..., Any] = command
    decorated = click.option(
        "--trusted-proxy",
        multiple=True,
        metavar="CIDR",
        callback=_check_proxies,
        help="A proxy in front of Stockade whose X-Forwarded-For, Forwarded and"
        " X-Forwarded-Proto headers are believed (repeatable; default: none).",
    )(decorated)
    for option, field, kind, text in reversed(_LIMITS):
        decorated = click.option(
            option, type=kind, default=getattr(_DEFAULTS, field), show_default=True, help=text
        )(decorated)
    return decorated  # type: ignore[return-value]
