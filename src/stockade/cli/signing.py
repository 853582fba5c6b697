"""`stockade sign`, `stockade verify` and `stockade signing export-public-key`: code signing
from a pipeline. Signing happens on the server (the key never leaves it) over the package's
content digest (the package never leaves the client); verification is offline."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from botocore.exceptions import BotoCoreError, ClientError

from stockade.cli.client import client, resolve
from stockade.cli.options import data_dir_option
from stockade.crypto import InvalidSignatureError, verify_code_signature
from stockade.domain.code_verification import Evidence, ProfileVersionFacts, check_integrity
from stockade.domain.errors import SignedPackageError
from stockade.domain.signed_package import (
    PAYLOAD_FORMAT,
    Manifest,
    SignedStatement,
    content_digest,
    digest_payload,
    embed,
    read_manifest,
)

F = TypeVar("F", bound=Callable[..., Any])
_PUBLIC_KEY_HEADER = "x-stockade-public-key"


def _server_options(f: F) -> F:
    # `--profile` names the signing profile here, so the AWS profile is `--aws-profile`.
    for option in reversed(
        (
            click.option(
                "--endpoint-url",
                envvar="AWS_ENDPOINT_URL",
                help="Server URL (default: $AWS_ENDPOINT_URL, else endpoint.json).",
            ),
            click.option(
                "--aws-profile",
                envvar="AWS_PROFILE",
                help="Shared-credentials profile (default: $AWS_PROFILE).",
            ),
            click.option("--region", help="Region (default: from the profile or endpoint.json)."),
            click.option("--ca-bundle", envvar="AWS_CA_BUNDLE", help="CA bundle to verify TLS."),
        )
    ):
        f = option(f)
    return data_dir_option(f)


def _signer(
    data_dir: Path,
    endpoint_url: str | None,
    aws_profile: str | None,
    region: str | None,
    ca_bundle: str | None,
) -> Any:
    return client(resolve(data_dir, endpoint_url, aws_profile, region, ca_bundle), "signer")


@click.command()
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profile", "signing_profile", required=True, help="Signing profile name.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the signed package.",
)
@_server_options
def sign(
    package: Path,
    signing_profile: str,
    output: Path,
    data_dir: Path,
    endpoint_url: str | None,
    aws_profile: str | None,
    region: str | None,
    ca_bundle: str | None,
) -> None:
    """Sign PACKAGE (a zip) with a signing profile and write the signed package to OUTPUT.

    Only the package's SHA-384 content digest is sent to the server (Signer's SignPayload);
    the signature comes back and is written into the package as
    META-INF/stockade-signature.json, so CreateFunction and PublishLayerVersion carry it."""
    data = package.read_bytes()
    try:
        digest = content_digest(data)
    except SignedPackageError as exc:
        raise click.ClickException(str(exc)) from exc
    signer = _signer(data_dir, endpoint_url, aws_profile, region, ca_bundle)
    try:
        reply = signer.sign_payload(
            profileName=signing_profile,
            payload=digest_payload(digest),
            payloadFormat=PAYLOAD_FORMAT,
        )
    except (ClientError, BotoCoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    statement = SignedStatement.from_fields(reply["metadata"])
    if statement.content_sha384 != digest:
        raise click.ClickException("The server signed another digest than the one sent.")
    output.write_bytes(embed(data, Manifest(statement, reply["signature"])))
    click.echo(
        json.dumps({"output": str(output), "jobId": reply["jobId"], **statement.fields()}, indent=2)
    )


@click.command()
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The profile's public key (stockade signing export-public-key).",
)
def verify(package: Path, public_key: Path) -> None:
    """Verify a signed PACKAGE offline; exit 0 only if it is intact, signed by PUBLIC_KEY's
    profile version and not expired. (Revocation is known only to the server: deployment
    checks it.)"""
    data = package.read_bytes()
    try:
        evidence = Evidence(read_manifest(data), content_digest(data))
    except SignedPackageError as exc:
        evidence = Evidence(None, None, malformed=str(exc))
    key = ProfileVersionFacts("", public_key.read_bytes())
    broken = check_integrity(evidence, key, _signature_ok)
    if broken is not None:
        _invalid(broken.reason)
    if evidence.manifest is None:
        _invalid("the package is not signed")
    statement = evidence.manifest.statement
    if datetime.now(UTC) >= statement.expires_at:
        _invalid(f"the signature expired at {statement.fields()['expiresAt']}")
    click.echo(json.dumps({"valid": True, **statement.fields()}, indent=2))


@click.group()
def signing() -> None:
    """Code signing helpers (signing profiles live on the server: aws signer ...)."""


@signing.command("export-public-key")
@click.option("--profile", "signing_profile", required=True, help="Signing profile name.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@_server_options
def export_public_key(
    signing_profile: str,
    output: Path,
    data_dir: Path,
    endpoint_url: str | None,
    aws_profile: str | None,
    region: str | None,
    ca_bundle: str | None,
) -> None:
    """Write the PEM public key of the profile's current version to OUTPUT."""
    signer = _signer(data_dir, endpoint_url, aws_profile, region, ca_bundle)
    try:
        reply = signer.get_signing_profile(profileName=signing_profile)
    except (ClientError, BotoCoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    header = reply["ResponseMetadata"]["HTTPHeaders"].get(_PUBLIC_KEY_HEADER)
    if header is None:
        raise click.ClickException("The server did not return the profile's public key.")
    output.write_text(json.loads(header))
    click.echo(json.dumps({"output": str(output), "profileVersionArn": reply["profileVersionArn"]}))


def _signature_ok(public_key_pem: bytes, data: bytes, signature: bytes) -> bool:
    try:
        verify_code_signature(public_key_pem, data, signature)
    except InvalidSignatureError:
        return False
    return True


def _invalid(reason: str) -> NoReturn:
    click.echo(f"INVALID: {reason}", err=True)
    raise SystemExit(1)
