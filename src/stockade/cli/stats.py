"""`stockade stats`: a function's counters from the server's data dir (operator command)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click

from stockade.cli.options import data_dir_option
from stockade.config import Settings
from stockade.datadir import read_endpoint
from stockade.store.function_stats import read_counters

_COLUMNS = (
    ("version", "VERSION"),
    ("invocations", "INVOCATIONS"),
    ("errors", "ERRORS"),
    ("throttles", "THROTTLES"),
    ("concurrent_executions", "CONCURRENT"),
    ("max_concurrent_executions", "MAX CONCURRENT"),
    ("async_events_received", "ASYNC EVENTS"),
    ("async_event_age_max_ms", "MAX EVENT AGE MS"),
    ("dropped_events", "DROPPED"),
    ("dead_letter_errors", "DLQ ERRORS"),
)


@click.command()
@click.argument("name")
@click.option("--account", help="Account id (default: the data dir's default account).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@data_dir_option
def stats(name: str, account: str | None, as_json: bool, data_dir: Path) -> None:
    """Print the counters of function NAME, per version (saved by the server every second)."""
    account = account or (read_endpoint(data_dir) or {}).get("account_id")
    if not account:
        raise click.UsageError("no account: pass --account or point --data-dir at a server")
    path = Settings(data_dir=data_dir).stats_database
    if not path.exists():
        raise click.ClickException(f"no counters in {data_dir}")
    try:
        rows = read_counters(path, str(account), name)
    except sqlite3.Error as exc:
        raise click.ClickException(f"cannot read the counters: {exc}") from exc
    if as_json:
        click.echo(json.dumps([{k: row[k] for k, _ in _COLUMNS} for row in rows], indent=2))
        return
    table = [[title for _, title in _COLUMNS]] + [
        [str(row[k]) for k, _ in _COLUMNS] for row in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(_COLUMNS))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
