"""`stockade config history NAME`: a function's configuration items (or, with --resource-type,
a VPC's, subnet's, security group's, parameter's or secret's), oldest first, with what
changed between each and the one before (operator command on the data dir)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from stockade.cli.operator import account_options, operator_call, with_account

# AWS Config's types that have a history here (the operator model's ConfigurationResourceType).
RESOURCE_TYPES = ("AWS::Lambda::Function", "AWS::EC2::VPC", "AWS::EC2::Subnet",
                  "AWS::EC2::SecurityGroup", "AWS::SSM::Parameter",
                  "AWS::SecretsManager::Secret")  # fmt: skip


@click.group("config")
def config() -> None:
    """A function's configuration history (configuration items, as AWS Config records them)."""


@config.command("history")
@click.argument("name")
@account_options
@click.option(
    "--resource-type",
    type=click.Choice(RESOURCE_TYPES),
    default="AWS::Lambda::Function",
    show_default=True,
    help="Another AWS Config type (a VPC, subnet, security group, Parameter Store parameter"
    " or secret): NAME is then its id (a parameter's name, a secret's ARN).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def history(
    name: str, account: str | None, data_dir: Path, resource_type: str, as_json: bool
) -> None:
    """Print function NAME's configuration items (or another resource's), oldest first."""
    member = "FunctionName" if resource_type == "AWS::Lambda::Function" else "ResourceId"
    request = with_account({member: name, "ResourceType": resource_type}, account)
    entries = operator_call(data_dir, "GetConfigurationHistory", request)["Items"]
    if as_json:
        click.echo(json.dumps(entries, indent=2))
        return
    for entry in entries:
        events = ", ".join(f"{e['eventName']} {e['requestID']}" for e in entry["relatedEvents"])
        click.echo(f"#{entry['configurationStateId']} {entry['configurationItemCaptureTime']}"
                   f" {entry['configurationItemStatus']} ({events})")  # fmt: skip
        for change in entry["changes"]:
            click.echo(f"    {change['path']}: {_short(change['before'])} ->"
                       f" {_short(change['after'])}")  # fmt: skip


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 100 else text[:97] + "..."
