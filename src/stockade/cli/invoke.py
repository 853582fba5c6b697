"""`stockade invoke`: call a function through the Lambda API, like `aws lambda invoke`."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import click
from botocore.exceptions import ClientError

from stockade.cli.client import client, resolve
from stockade.cli.options import client_options


@click.command()
@click.argument("name")
@click.argument("payload", required=False)
@click.option("--qualifier", help="Version or alias to invoke.")
@click.option("--log", "show_log", is_flag=True, help="Print the invocation's log tail to stderr.")
@client_options
def invoke(
    name: str,
    payload: str | None,
    qualifier: str | None,
    show_log: bool,
    data_dir: Path,
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
    ca_bundle: str | None,
    as_json: bool,
) -> None:
    """Invoke function NAME with the JSON PAYLOAD ('-' reads standard input; default {}).

    Prints the function's response; exits with status 1 when the function failed.
    """
    body = sys.stdin.read() if payload == "-" else (payload or "{}")
    try:
        json.loads(body)
    except ValueError as exc:
        raise click.BadParameter("PAYLOAD must be JSON", param_hint="PAYLOAD") from exc
    lam = client(resolve(data_dir, endpoint_url, profile, region, ca_bundle), "lambda")
    params: dict[str, str] = {"FunctionName": name, "LogType": "Tail" if show_log else "None"}
    if qualifier:
        params["Qualifier"] = qualifier
    try:
        reply = lam.invoke(Payload=body.encode(), **params)
    except ClientError as exc:
        raise click.ClickException(str(exc)) from exc
    result = reply["Payload"].read()
    if show_log and reply.get("LogResult"):
        click.echo(base64.b64decode(reply["LogResult"]).decode(errors="replace"), err=True)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "StatusCode": reply["StatusCode"],
                    "ExecutedVersion": reply.get("ExecutedVersion"),
                    "FunctionError": reply.get("FunctionError"),
                    "Payload": result.decode(errors="replace"),
                }
            )
        )
    else:
        click.echo(result.decode(errors="replace"))
    if reply.get("FunctionError"):
        sys.exit(1)
