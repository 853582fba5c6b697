"""`stockade logs`: print a function's log group from the server's data dir (operator command)."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from stockade.cli.options import data_dir_option
from stockade.config import Settings
from stockade.datadir import read_endpoint
from stockade.store.function_logs import LogEvent, open_for_reading, read_events

_SINCE = re.compile(r"(\d+)([smhd])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_FOLLOW_POLL_S = 0.5


@click.command()
@click.argument("name")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events (Ctrl-C stops).")
@click.option("--since", default="1h", show_default=True, help="How far back: 30s, 10m, 2h, 1d.")
@click.option("--account", help="Account id (default: the data dir's default account).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event.")
@data_dir_option
def logs(
    name: str, follow: bool, since: str, account: str | None, as_json: bool, data_dir: Path
) -> None:
    """Print the logs of function NAME (log group /aws/lambda/NAME)."""
    match = _SINCE.fullmatch(since)
    if match is None:
        raise click.BadParameter("use a number and a unit, e.g. 10m", param_hint="--since")
    since_ms = int((time.time() - int(match[1]) * _UNIT_S[match[2]]) * 1000)
    account = account or (read_endpoint(data_dir) or {}).get("account_id")
    if not account:
        raise click.UsageError("no account: pass --account or point --data-dir at a server")
    path = Settings(data_dir=data_dir).logs_database
    if not path.exists():
        raise click.ClickException(f"no logs in {data_dir}")
    group = name if name.startswith("/") else f"/aws/lambda/{name}"
    try:
        with open_for_reading(path) as db:
            last = _print_new(db, str(account), group, 0, since_ms, as_json)
            while follow:
                time.sleep(_FOLLOW_POLL_S)
                last = _print_new(db, str(account), group, last, since_ms, as_json)
    except sqlite3.Error as exc:
        raise click.ClickException(f"cannot read the logs: {exc}") from exc
    except KeyboardInterrupt:
        pass


def _print_new(
    db: sqlite3.Connection, account: str, group: str, after: int, since_ms: int, as_json: bool
) -> int:
    while True:
        events = read_events(db, account, group, after, since_ms, limit=1000)
        for event in events:
            click.echo(_format(event, as_json))
            after = event.event_id
        if len(events) < 1000:
            return after


def _format(event: LogEvent, as_json: bool) -> str:
    stamp = datetime.fromtimestamp(event.timestamp_ms / 1000, UTC)
    if as_json:
        return json.dumps(
            {
                "timestamp": event.timestamp_ms,
                "logStreamName": event.log_stream,
                "message": event.message,
            }
        )
    return f"{stamp:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + f"Z {event.message}"
