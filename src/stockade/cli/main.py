"""`stockade`: run the server, and drive it the way the AWS tools do."""

from __future__ import annotations

import click

from stockade import __version__
from stockade.cli.accounts import accounts
from stockade.cli.audit import audit
from stockade.cli.compliance import compliance
from stockade.cli.config_history import config
from stockade.cli.functions import deploy, functions
from stockade.cli.invoke import invoke
from stockade.cli.logs import logs
from stockade.cli.serve import serve, status
from stockade.cli.signing import sign, signing, verify
from stockade.cli.stats import stats


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stockade")
def cli() -> None:
    """Stockade: a self-hosted serverless platform that speaks the AWS Lambda API."""


cli.add_command(serve)
cli.add_command(accounts)
cli.add_command(audit)
cli.add_command(status)
cli.add_command(deploy)
cli.add_command(functions)
cli.add_command(invoke)
cli.add_command(logs)
cli.add_command(stats)
cli.add_command(sign)
cli.add_command(verify)
cli.add_command(signing)
cli.add_command(compliance)
cli.add_command(config)


def main() -> None:
    cli()
