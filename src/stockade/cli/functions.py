"""`stockade deploy` and `stockade functions`: conveniences over the Lambda API via boto3."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import ClientError, WaiterError

from stockade.cli.client import client, resolve
from stockade.cli.options import client_options
from stockade.datadir import read_endpoint

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # reproducible archives: same tree, same CodeSha256


def zip_directory(root: Path) -> bytes:
    """A deterministic zip of `root`: sorted entries, fixed timestamps, exec bits kept."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), _FIXED_TIME)
            mode = 0o755 if os.stat(path).st_mode & stat.S_IXUSR else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _progress(message: str) -> None:
    # stderr, so that stdout stays machine-readable under --json
    click.echo(message, err=True)


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--name", required=True, help="Function name.")
@click.option("--runtime", required=True, help="Runtime, e.g. python3.11, nodejs20.x.")
@click.option("--handler", required=True, help="Handler, e.g. app.handler.")
@click.option("--role", help="Execution role ARN (default: the account's basic execution role).")
@click.option("--memory", type=int, help="Memory size in MB.")
@click.option("--timeout", type=int, help="Timeout in seconds.")
@click.option("--env", "env", multiple=True, help="Environment variable KEY=VALUE (repeatable).")
@client_options
def deploy(
    directory: Path,
    name: str,
    runtime: str,
    handler: str,
    role: str | None,
    memory: int | None,
    timeout: int | None,
    env: tuple[str, ...],
    data_dir: Path,
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
    ca_bundle: str | None,
    as_json: bool,
) -> None:
    """Zip DIRECTORY and create or update function NAME, then wait until it is Active."""
    settings = resolve(data_dir, endpoint_url, profile, region, ca_bundle)
    lam = client(settings, "lambda")
    package = zip_directory(directory)
    _progress(f"Packaged {directory} ({len(package)} bytes)")
    config: dict[str, Any] = {"Runtime": runtime, "Handler": handler}
    if memory is not None:
        config["MemorySize"] = memory
    if timeout is not None:
        config["Timeout"] = timeout
    if env:
        config["Environment"] = {"Variables": _parse_env(env)}
    try:
        try:
            lam.get_function_configuration(FunctionName=name)
            exists = True
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            exists = False
        if exists:
            _progress(f"Updating code of {name}")
            lam.update_function_code(FunctionName=name, ZipFile=package)
            lam.get_waiter("function_updated_v2").wait(FunctionName=name)
            if role:
                config["Role"] = role
            _progress(f"Updating configuration of {name}")
            lam.update_function_configuration(FunctionName=name, **config)
            lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        else:
            _progress(f"Creating {name}")
            lam.create_function(
                FunctionName=name,
                Role=role or _default_role(data_dir),
                Code={"ZipFile": package},
                **config,
            )
            lam.get_waiter("function_active_v2").wait(FunctionName=name)
        result = lam.get_function_configuration(FunctionName=name)
    except (ClientError, WaiterError) as exc:
        raise click.ClickException(str(exc)) from exc
    result.pop("ResponseMetadata", None)
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
    else:
        click.echo(
            f"{result['FunctionName']} is {result.get('State', '?')}"
            f" ({result['Runtime']}, {result['CodeSize']} bytes, revision {result['RevisionId']})"
        )


@click.command()
@client_options
def functions(
    data_dir: Path,
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
    ca_bundle: str | None,
    as_json: bool,
) -> None:
    """List the functions of the account."""
    settings = resolve(data_dir, endpoint_url, profile, region, ca_bundle)
    lam = client(settings, "lambda")
    found: list[dict[str, Any]] = []
    try:
        for page in lam.get_paginator("list_functions").paginate():
            found.extend(page["Functions"])
    except ClientError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    # ListFunctions entries carry no State (Lambda leaves it to GetFunction).
    rows = [("NAME", "RUNTIME", "MEMORY", "TIMEOUT", "LAST MODIFIED")]
    rows += [
        (
            f["FunctionName"],
            f.get("Runtime", "-"),
            str(f.get("MemorySize", "-")),
            str(f.get("Timeout", "-")),
            f.get("LastModified", "-"),
        )
        for f in found
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def _parse_env(pairs: tuple[str, ...]) -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {key!r}...", param_hint="--env")
        result[key] = value
    return result


def _default_role(data_dir: Path) -> str:
    account = (read_endpoint(data_dir) or {}).get("account_id")
    if not account:
        raise click.UsageError("--role is required when the account is not known")
    return f"arn:aws:iam::{account}:role/stockade-lambda-basic-execution"
