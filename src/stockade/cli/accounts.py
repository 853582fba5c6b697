"""`stockade accounts create`: an operator command on the server's data dir."""

from __future__ import annotations

import json
from pathlib import Path

import click

from stockade.cli.options import data_dir_option
from stockade.config import Settings
from stockade.datadir import DataDirError


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
    from stockade.wiring import create_account  # noqa: PLC0415 - heavy import

    if not name.strip() or len(name) > 64:
        raise click.BadParameter("must be 1 to 64 characters", param_hint="NAME")
    try:
        created = create_account(Settings(data_dir=data_dir.resolve()), name)
    except DataDirError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(
            json.dumps(
                {
                    "account_id": created.account.account_id,
                    "AccessKeyId": created.access_key_id,
                    "SecretAccessKey": created.secret_access_key,
                }
            )
        )
        return
    click.echo(f"Account {created.account.account_id} ({name})")
    click.echo(f"AccessKeyId:     {created.access_key_id}")
    click.echo(f"SecretAccessKey: {created.secret_access_key}")
    click.echo("The secret access key is shown only now; store it safely.")
