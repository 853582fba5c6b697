"""The audit trail's journal and delivery, and offline verification, on a real directory."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

from stockade.audit.events import AuditEvent, UserIdentity
from stockade.audit.trail import JOURNAL, AuditTrail, pending_count
from stockade.audit.verify import verify_trail
from stockade.clock import SystemClock
from stockade.crypto import Ed25519Signer, InvalidSignatureError, verify

ACCOUNT = "123456789012"


def event(name: str, account: str = ACCOUNT) -> AuditEvent:
    who = UserIdentity("IAMUser", "AIDAX", f"arn:aws:iam::{account}:user/u", account, "AKIAX", "u")
    return AuditEvent(
        f"id-{name}",
        datetime.now(UTC),
        "lambda.amazonaws.com",
        name,
        "us-east-1",
        "127.0.0.1",
        "test",
        f"rid-{name}",
        account,
        who,
        read_only=False,
    )


def checker(signer: Ed25519Signer):  # type: ignore[no-untyped-def]
    pem = signer.public_key_pem()

    def valid(data: bytes, signature: bytes) -> bool:
        try:
            verify(pem, data, signature)
        except InvalidSignatureError:
            return False
        return True

    return valid


def test_journalled_records_survive_a_restart_and_are_delivered_once(tmp_path: Path) -> None:
    signer = Ed25519Signer.generate()
    trail = AuditTrail(tmp_path, signer, SystemClock(), "us-east-1")
    trail.append(event("A")).result()
    trail.append(event("B", "210987654321")).result()
    # A crash: the journal is all there is; a torn last line was never acknowledged.
    with (tmp_path / JOURNAL).open("ab") as journal:
        journal.write(b'3\t{"torn')
    trail._journal.close()  # no roll: as if killed
    reopened = AuditTrail(tmp_path, signer, SystemClock(), "us-east-1")
    assert pending_count(tmp_path) == 2
    assert reopened.roll() == 2
    reopened.close()
    names = sorted(
        r["eventName"]
        for path in (tmp_path / "AWSLogs").rglob("*.json.gz")
        if "CloudTrail-Digest" not in path.parts
        for r in json.loads(gzip.decompress(path.read_bytes()))["Records"]
    )
    assert names == ["A", "B"]
    report = verify_trail(tmp_path, checker(signer))
    assert report.ok, report.problems
    assert report.pending_records == 0
    assert report.log_files == 2


def test_another_key_does_not_verify(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path, Ed25519Signer.generate(), SystemClock(), "us-east-1")
    trail.append(event("A")).result()
    trail.close()
    report = verify_trail(tmp_path, checker(Ed25519Signer.generate()))
    assert not report.ok
    assert all("signature" in p.what for p in report.problems)


def test_records_not_yet_rolled_are_reported_as_pending(tmp_path: Path) -> None:
    signer = Ed25519Signer.generate()
    trail = AuditTrail(tmp_path, signer, SystemClock(), "us-east-1")
    trail.append(event("A")).result()
    assert verify_trail(tmp_path, checker(signer)).pending_records == 1
    trail.close()
    assert verify_trail(tmp_path, checker(signer)).pending_records == 0


def test_records_carry_cloudtrail_fields_and_no_unset_error() -> None:
    record = event("CreateFunction").record()
    assert record["userIdentity"]["userName"] == "u"
    assert record["eventSource"] == "lambda.amazonaws.com"
    assert "errorCode" not in record
    assert record["eventTime"].endswith("Z")


def test_a_record_appended_after_a_torn_tail_is_kept(tmp_path: Path) -> None:
    signer = Ed25519Signer.generate()
    trail = AuditTrail(tmp_path, signer, SystemClock(), "us-east-1")
    trail.append(event("A")).result()
    with (tmp_path / JOURNAL).open("ab") as journal:
        journal.write(b'2\t{"torn')  # a write cut short: never acknowledged
    trail._journal.close()
    reopened = AuditTrail(tmp_path, signer, SystemClock(), "us-east-1")
    reopened.append(event("C")).result()
    # The torn bytes are cut before the next line, which would otherwise be glued to them.
    assert [r["eventName"] for r in reopened.journalled()] == ["A", "C"]
    reopened.check_writable()  # nothing refused it
    reopened.close()
