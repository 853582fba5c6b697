"""`stockade stats`: a function's counters, as the server saved them (operator command, see
`stockade.cli.operator`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from stockade.cli.operator import operator_call, with_account
from stockade.cli.options import data_dir_option

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
    ("recursive_invocations_dropped", "RECURSION DROPPED"),
)


@click.command()
@click.argument("name")
@click.option("--account", help="Account id (default: the data dir's default account).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@data_dir_option
def stats(name: str, account: str | None, as_json: bool, data_dir: Path) -> None:
    """Print the counters of function NAME, per version (saved by the server every second)."""
    request = with_account({"FunctionName": name}, account)
    rows = operator_call(data_dir, "GetFunctionStats", request)["Versions"]
    if as_json:
        click.echo(json.dumps([{k: row[k] for k, _ in _COLUMNS} for row in rows], indent=2))
        return
    table = [[title for _, title in _COLUMNS]] + [
        [str(row[k]) for k, _ in _COLUMNS] for row in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(_COLUMNS))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
