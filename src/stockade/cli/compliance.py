"""`stockade compliance`: rules per account, the webhook, and the report (operator commands,
see `stockade.cli.operator`; the running server delivers the webhook notifications)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from stockade.cli.operator import account_options, operator_call, with_account
from stockade.domain.compliance_rules import PARAMETERS, RUNTIME_DEPRECATION, Compliance


@click.group(invoke_without_command=True)
@account_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def compliance(ctx: click.Context, account: str | None, data_dir: Path, as_json: bool) -> None:
    """Evaluate every function and secret against the account's rules now; print the report."""
    if ctx.invoked_subcommand is not None:
        return
    rows = operator_call(data_dir, "EvaluateCompliance", with_account({}, account))["Report"]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No functions or secrets.")
        return
    header: list[tuple[str, ...]] = [("RESOURCE", "RULE", "COMPLIANCE", "REASON")]
    _table(header + [(r["resourceId"], r["rule"], r["compliance"], r["reason"]) for r in rows])
    deprecated = [r for r in rows if r["rule"] == RUNTIME_DEPRECATION
                  and r["compliance"] == Compliance.NON_COMPLIANT.value]  # fmt: skip
    if deprecated:
        click.echo("\nFunctions on deprecated runtimes:")
        for row in deprecated:
            click.echo(f"  {row['function']}: {row['reason']}")


@compliance.command("enable")
@click.argument("rule", type=click.Choice(sorted(PARAMETERS)))
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A rule parameter (AWS's names), repeatable.")  # fmt: skip
@account_options
def enable(rule: str, params: tuple[str, ...], account: str | None, data_dir: Path) -> None:
    """Enable RULE for the account (again to change its parameters); re-evaluates now."""
    parameters = {}
    for param in params:
        name, sep, value = param.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{param!r} is not NAME=VALUE", param_hint="--param")
        parameters[name.strip()] = value.strip()
    request = with_account({"Rule": rule, "Parameters": parameters}, account)
    setting = operator_call(data_dir, "EnableComplianceRule", request)["Rule"]
    click.echo(f"enabled {setting['rule']} {json.dumps(setting['parameters'], sort_keys=True)}")


@compliance.command("disable")
@click.argument("rule")
@account_options
def disable(rule: str, account: str | None, data_dir: Path) -> None:
    """Disable RULE for the account; its results are dropped."""
    request = with_account({"Rule": rule}, account)
    removed = operator_call(data_dir, "DisableComplianceRule", request)["Disabled"]
    click.echo(f"disabled {rule}" if removed else f"{rule} was not enabled")


@compliance.command("rules")
@account_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def rules(account: str | None, data_dir: Path, as_json: bool) -> None:
    """The account's enabled rules and their parameters (and the webhook's origin)."""
    found = operator_call(data_dir, "ListComplianceRules", with_account({}, account))["Rules"]
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    origin = found["webhook"]
    for entry in found["rules"]:
        click.echo(f"{entry['rule']} {json.dumps(entry['parameters'], sort_keys=True)}")
    click.echo(f"webhook: {origin or 'none'}")


@compliance.command("webhook")
@click.argument("url", required=False)
@click.option("--clear", is_flag=True, help="Remove the account's webhook.")
@account_options
def webhook(url: str | None, clear: bool, account: str | None, data_dir: Path) -> None:
    """Send the account's compliance changes to URL (POST, JSON, signed).

    Prints the new signing secret once: each delivery carries
    `Stockade-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`.
    Setting the webhook again rotates the secret."""
    if (url is None) == (not clear):
        raise click.UsageError("give a URL or --clear")
    if clear:
        operator_call(data_dir, "DeleteComplianceWebhook", with_account({}, account))
        click.echo("webhook removed")
        return
    request = with_account({"Url": url}, account)
    secret = operator_call(data_dir, "PutComplianceWebhook", request)["Secret"]
    click.echo("webhook set")
    click.echo(f"signing secret: {secret}")
    click.echo("(shown only now: keep it where your receiver verifies Stockade-Signature)")


@compliance.command("changes")
@account_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def changes(account: str | None, data_dir: Path, as_json: bool) -> None:
    """Every recorded change of compliance, oldest first, with its cause and delivery."""
    rows = operator_call(data_dir, "ListComplianceChanges", with_account({}, account))["Changes"]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        cause = f"{r['eventName']} {r['requestID'] or ''}".strip()
        click.echo(f"{r['time']} {r['resourceId']} {r['rule']}: {r['before']} -> {r['after']}"
                   f" ({cause}) webhook {r['delivery']}")  # fmt: skip


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]))
