"""`stockade logs`: print a function's log events through the CloudWatch Logs API (boto3).

Reads log group /aws/lambda/NAME (or NAME itself when it starts with '/') with FilterLogEvents.
`--follow` polls every second. A function's lines are delivered when its invocation ends, so a
line can arrive up to the function's timeout after its timestamp: each poll looks back that far
(15 minutes if the timeout cannot be read) and events already printed are skipped by eventId.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError

from stockade.cli.client import client, resolve
from stockade.cli.options import client_options

_SINCE = re.compile(r"(\d+)([smhd])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_POLL_S = 1.0
_LOOKBACK_DEFAULT_S = 900  # Lambda's longest timeout
_LOOKBACK_MARGIN_S = 15  # delivery after the invocation ends, and clock differences


@click.command()
@click.argument("name")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events (Ctrl-C stops).")
@click.option("--since", default="1h", show_default=True, help="How far back: 30s, 10m, 2h, 1d.")
@client_options
def logs(
    name: str,
    follow: bool,
    since: str,
    data_dir: Path,
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
    ca_bundle: str | None,
    as_json: bool,
) -> None:
    """Print the logs of function NAME (log group /aws/lambda/NAME)."""
    match = _SINCE.fullmatch(since)
    if match is None:
        raise click.BadParameter("use a number and a unit, e.g. 10m", param_hint="--since")
    since_ms = int((time.time() - int(match[1]) * _UNIT_S[match[2]]) * 1000)
    group = name if name.startswith("/") else f"/aws/lambda/{name}"
    settings = resolve(data_dir, endpoint_url, profile, region, ca_bundle)
    cw = client(settings, "logs")
    try:
        seen: dict[str, int] = {}  # eventId -> timestamp, of what was printed
        _print_new(cw, group, since_ms, seen, as_json, quiet=False)
        if not follow:
            return
        lookback_ms = _lookback_s(client(settings, "lambda"), name) * 1000
        while True:  # until Ctrl-C
            time.sleep(_POLL_S)
            start_ms = max(since_ms, int(time.time() * 1000) - lookback_ms)
            for event_id in [k for k, stamp in seen.items() if stamp < start_ms]:
                del seen[event_id]  # older than any later poll reads: forget
            _print_new(cw, group, start_ms, seen, as_json, quiet=True)
    except KeyboardInterrupt:
        return
    except (ClientError, BotoCoreError) as exc:
        raise click.ClickException(str(exc)) from exc


def _print_new(
    cw: Any, group: str, start_ms: int, seen: dict[str, int], as_json: bool, quiet: bool
) -> None:
    new = [e for e in _events(cw, group, start_ms, quiet) if e["eventId"] not in seen]
    new.sort(key=lambda e: (e["timestamp"], e["eventId"]))
    for event in new:
        seen[event["eventId"]] = event["timestamp"]
        click.echo(_format(event, as_json))


def _events(cw: Any, group: str, start_ms: int, quiet: bool) -> Iterator[dict[str, Any]]:
    pages = cw.get_paginator("filter_log_events").paginate(
        logGroupName=group, startTime=max(start_ms, 0)
    )
    try:
        for page in pages:
            yield from page.get("events", [])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        # No group yet: the function has not logged anything (or does not exist).
        if not quiet:
            click.echo(f"No log group {group} (yet).", err=True)


def _lookback_s(lam: Any, name: str) -> int:
    """How long after its timestamp a line may still arrive: the function's timeout."""
    if name.startswith("/"):
        return _LOOKBACK_DEFAULT_S + _LOOKBACK_MARGIN_S
    try:
        timeout = int(lam.get_function_configuration(FunctionName=name)["Timeout"])
    except (ClientError, BotoCoreError, KeyError, ValueError):
        timeout = _LOOKBACK_DEFAULT_S
    return min(timeout, _LOOKBACK_DEFAULT_S) + _LOOKBACK_MARGIN_S


def _format(event: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(
            {
                "timestamp": event["timestamp"],
                "logStreamName": event["logStreamName"],
                "message": event["message"],
                "eventId": event["eventId"],
            }
        )
    stamp = datetime.fromtimestamp(event["timestamp"] / 1000, UTC)
    # Multi-line messages (a stack trace) hold '\r' between their lines, as on CloudWatch.
    message = event["message"].replace("\r", "\n")
    return f"{stamp:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + f"Z {message}"
