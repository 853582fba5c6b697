"""`stockade audit`: check the audit trail's files and export its key.

Verification reads the signed files itself and trusts nothing the server says (an auditor's
check must not depend on what it checks); what it found is then recorded in the trail, through
the operator API, as evidence that the trail was checked, by whom and when."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from stockade.audit.verify import verify_trail
from stockade.cli.operator import operator_call
from stockade.cli.options import data_dir_option
from stockade.config import Settings
from stockade.crypto import InvalidSignatureError
from stockade.crypto import verify as verify_signature

_PUBLIC_KEY = "digest-public-key.pem"


@click.group()
def audit() -> None:
    """Check and export the tamper-evident audit trail (no server needed)."""


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@audit.command("verify")
@data_dir_option
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The trail's public key, as exported earlier (default: the copy in the data dir,"
    " which proves nothing against someone who could rewrite the data dir).",
)
@click.option("--from", "start", help="Check digests ending at or after this ISO time.")
@click.option("--to", "end", help="Check digests ending at or before this ISO time.")
def verify(data_dir: Path, public_key: Path | None, start: str | None, end: str | None) -> None:
    """Verify the audit trail's log files and digest chain; exit 1 naming what is wrong."""
    root = Settings(data_dir=data_dir).audit
    key_file = public_key or root / _PUBLIC_KEY
    if not key_file.is_file():
        raise click.ClickException(f"No audit trail public key at {key_file}.")
    pem = key_file.read_bytes()

    def valid(data: bytes, signature: bytes) -> bool:
        try:
            verify_signature(pem, data, signature)
        except InvalidSignatureError:
            return False
        return True

    report = verify_trail(root, valid, _moment(start), _moment(end))
    for problem in report.problems:
        click.echo(f"INVALID {problem}", err=True)
    click.echo(
        f"{report.digests} digest files and {report.log_files} log files checked;"
        f" {len(report.problems)} problems; {report.pending_records} records not yet covered"
        " by a digest (delivered at the next roll)"
    )
    if public_key is None:
        click.echo("(checked with the data dir's own copy of the public key)", err=True)
    if Settings(data_dir=data_dir).database.is_file():
        found: dict[str, Any] = {
            "Digests": report.digests, "LogFiles": report.log_files,
            "Problems": len(report.problems), "PendingRecords": report.pending_records,
            "OwnPublicKey": public_key is None,
        }  # fmt: skip
        for member, text in (("From", start), ("To", end)):
            moment = _moment(text)
            if moment is not None:
                found[member] = moment.timestamp()
        operator_call(data_dir, "RecordTrailVerification", found)
    else:
        click.echo("(a copy of a trail, not a data dir: the check is not recorded)", err=True)
    if not report.ok:
        raise SystemExit(1)


@audit.command("export-public-key")
@data_dir_option
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_public_key(data_dir: Path, output: Path) -> None:
    """Copy the trail's digest-signing public key (PEM) out, for later verification."""
    if not (Settings(data_dir=data_dir).audit / _PUBLIC_KEY).is_file():
        raise click.ClickException(f"No audit trail in {data_dir}; start the server first.")
    pem = operator_call(data_dir, "GetAuditDigestPublicKey", {})["PublicKeyPem"]
    output.write_text(pem, encoding="ascii")
    click.echo(str(output))
