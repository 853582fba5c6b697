"""Offline verification of an audit trail's files (CloudTrail's log-file integrity validation).

For each account: the digests, in time order, must form an unbroken chain (each names the
previous digest's path, SHA-256 and signature), each signature must verify under the trail's
public key, every log file a digest lists must exist with that SHA-256, and no log file may
exist that no digest lists. A problem names the file. Records still in the journal (not yet
rolled into files) are counted, not judged.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from stockade.audit import layout
from stockade.audit.trail import pending_count

Verifier = Callable[[bytes, bytes], bool]  # (data, signature) -> valid


@dataclass(frozen=True)
class Problem:
    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


@dataclass
class Report:
    digests: int = 0
    log_files: int = 0
    problems: list[Problem] = field(default_factory=list)
    pending_records: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_trail(
    root: Path,
    verifier: Verifier,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Report:
    report = Report(pending_records=pending_count(root) if root.exists() else 0)
    accounts = root / "AWSLogs"
    if not accounts.is_dir():
        return report
    for account in sorted(p for p in accounts.iterdir() if p.is_dir()):
        _verify_account(root, account, verifier, start, end, report)
    return report


def _in_range(moment: str, start: datetime | None, end: datetime | None) -> bool:
    when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return (start is None or when >= start) and (end is None or when <= end)


def _verify_account(
    root: Path,
    account: Path,
    verifier: Verifier,
    start: datetime | None,
    end: datetime | None,
    report: Report,
) -> None:
    digest_files = sorted(
        (p for p in (account / "CloudTrail-Digest").rglob("*.json.gz")), key=lambda p: p.name
    )
    listed: set[str] = set()
    previous: tuple[str, str, str] | None = None  # (path, sha256, signature)
    for path in digest_files:
        relative = str(path.relative_to(root))
        data = path.read_bytes()
        try:
            digest: dict[str, Any] = json.loads(gzip.decompress(data))
        except (OSError, ValueError, EOFError):
            report.problems.append(Problem(relative, "the digest file is not valid gzip JSON"))
            previous = (relative, hashlib.sha256(data).hexdigest(), "")
            continue
        for entry in digest.get("logFiles") or []:
            listed.add(str(entry.get("s3Object")))
        if not _in_range(str(digest.get("digestEndTime")), start, end):
            previous = (relative, hashlib.sha256(data).hexdigest(), _signature(path))
            continue
        report.digests += 1
        _check_digest(root, relative, path, data, digest, previous, verifier, report)
        previous = (relative, hashlib.sha256(data).hexdigest(), _signature(path))
    for path in sorted((account / "CloudTrail").rglob("*.json.gz")):
        relative = str(path.relative_to(root))
        if relative not in listed:
            report.problems.append(Problem(relative, "no digest lists this log file (inserted?)"))


def _check_digest(
    root: Path,
    relative: str,
    path: Path,
    data: bytes,
    digest: dict[str, Any],
    previous: tuple[str, str, str] | None,
    verifier: Verifier,
    report: Report,
) -> None:
    signature = _signature(path)
    if digest.get("digestS3Object") != relative:
        report.problems.append(Problem(relative, "the digest names another path (moved?)"))
    signed = layout.signing_string(
        str(digest.get("digestEndTime")), relative, data,
        str(digest.get("previousDigestSignature") or ""),
    )  # fmt: skip
    try:
        valid = bool(signature) and verifier(signed, bytes.fromhex(signature))
    except ValueError:
        valid = False
    if not valid:
        report.problems.append(Problem(relative, "the digest's signature does not verify"))
    named = digest.get("previousDigestS3Object")
    if previous is None and named is not None:
        report.problems.append(
            Problem(relative, f"the previous digest {named} is missing (deleted?)")
        )
    elif previous is not None:
        path_before, hash_before, signature_before = previous
        if named != path_before:
            report.problems.append(Problem(
                relative, f"the chain names {named} before it, but {path_before} is there"
                " (deleted, inserted or reordered digests)",
            ))  # fmt: skip
        elif (
            digest.get("previousDigestHashValue") != hash_before
            or (digest.get("previousDigestSignature") or "") != signature_before
        ):
            report.problems.append(Problem(path_before, "the digest was modified"))
    for entry in digest.get("logFiles") or []:
        report.log_files += 1
        name = str(entry.get("s3Object"))
        log_file = root / name
        if not log_file.is_file():
            report.problems.append(Problem(name, "the log file is missing (deleted?)"))
        elif hashlib.sha256(log_file.read_bytes()).hexdigest() != entry.get("hashValue"):
            report.problems.append(Problem(name, "the log file was modified"))


def _signature(path: Path) -> str:
    signature = path.with_name(path.name + layout.SIGNATURE_SUFFIX)
    return signature.read_text().strip() if signature.is_file() else ""
