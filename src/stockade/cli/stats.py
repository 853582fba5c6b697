"""`stockade stats`: a function's counters, or an event source mapping's, or a rule's, as the
server saved them (operator command, see `stockade.cli.operator`)."""

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


# Lambda's event source mapping metrics and EventBridge's rule metrics, by the names AWS uses.
_MAPPING_COLUMNS = (
    ("polled_event_count", "PolledEventCount"),
    ("filtered_out_event_count", "FilteredOutEventCount"),
    ("invoked_event_count", "InvokedEventCount"),
    ("failed_invoke_event_count", "FailedInvokeEventCount"),
    ("deleted_event_count", "DeletedEventCount"),
)
_RULE_COLUMNS = (
    ("matched_events", "MatchedEvents"),
    ("triggered_rules", "TriggeredRules"),
    ("invocations", "Invocations"),
    ("failed_invocations", "FailedInvocations"),
    ("invocations_sent_to_dlq", "InvocationsSentToDlq"),
    ("invocations_failed_to_be_sent_to_dlq", "InvocationsFailedToBeSentToDlq"),
    ("retry_invocation_attempts", "RetryInvocationAttempts"),
)


@click.command()
@click.argument("name", required=False)
@click.option(
    "--event-source-mapping", "mapping", metavar="UUID",
    help="Print this event source mapping's counters instead of a function's.",
)  # fmt: skip
@click.option("--rule", metavar="NAME", help="Print this rule's counters instead of a function's.")
@click.option("--event-bus-name", metavar="BUS", help="The rule's event bus (default: default).")
@click.option("--account", help="Account id of the function or rule (default: the data dir's own).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@data_dir_option
def stats(
    name: str | None,
    mapping: str | None,
    rule: str | None,
    event_bus_name: str | None,
    account: str | None,
    as_json: bool,
    data_dir: Path,
) -> None:
    """Print the counters of function NAME, per version, or of an event source mapping or a
    rule (saved by the server every second)."""
    if sum(given is not None for given in (name, mapping, rule)) != 1:
        raise click.UsageError("Give exactly one of NAME, --event-source-mapping or --rule.")
    if event_bus_name is not None and rule is None:
        raise click.UsageError("--event-bus-name goes with --rule.")
    if mapping is not None:
        found = operator_call(data_dir, "GetEventSourceMappingStats", {"UUID": mapping})
        _print_one(found["Counters"], _MAPPING_COLUMNS, as_json)
        return
    if rule is not None:
        asked: dict[str, str] = {"Name": rule}
        if event_bus_name is not None:
            asked["EventBusName"] = event_bus_name
        found = operator_call(data_dir, "GetRuleStats", with_account(asked, account))
        _print_one(found["Counters"], _RULE_COLUMNS, as_json)
        return
    assert name is not None  # exactly one was given
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


def _print_one(row: dict[str, int], columns: tuple[tuple[str, str], ...], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({title: row[key] for key, title in columns}, indent=2))
        return
    width = max(len(title) for _, title in columns)
    for key, title in columns:
        click.echo(f"{title.ljust(width)}  {row[key]}")
