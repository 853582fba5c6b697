"""`stockade accounts create`: an operator command (see `stockade.cli.operator`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from stockade.cli.operator import operator_call
from stockade.cli.options import data_dir_option


@click.group()
def accounts() -> None:
    """Manage accounts (operator commands on the server's data dir)."""


@accounts.command("create")
@click.argument("name")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def create(name: str, data_dir: Path, as_json: bool) -> None:
    """Create an isolated account NAME with its own administrator access key.

    The secret access key is printed once and cannot be shown again.
    """
    if not name.strip() or len(name) > 64:
        raise click.BadParameter("must be 1 to 64 characters", param_hint="NAME")
    created = operator_call(data_dir, "CreateAccount", {"Name": name})
    if as_json:
        click.echo(
            json.dumps(
                {
                    "account_id": created["AccountId"],
                    "AccessKeyId": created["AccessKeyId"],
                    "SecretAccessKey": created["SecretAccessKey"],
                }
            )
        )
        return
    click.echo(f"Account {created['AccountId']} ({name})")
    click.echo(f"AccessKeyId:     {created['AccessKeyId']}")
    click.echo(f"SecretAccessKey: {created['SecretAccessKey']}")
    click.echo("The secret access key is shown only now; store it safely.")
