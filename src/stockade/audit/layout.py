"""Where audit files live, laid out as CloudTrail lays them out in its bucket:

    AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
        <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz       (log files)
    AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/
        <account>_CloudTrail-Digest_<region>_stockade_<region>_<YYYYMMDDTHHmmssZ>.json.gz
        ... and its signature beside it, `<digest>.sig` (CloudTrail keeps it in object metadata)

Paths inside digests are relative to the audit root ("the bucket").
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import PurePath, PurePosixPath

TRAIL_NAME = "stockade"
SIGNATURE_SUFFIX = ".sig"


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y/%m/%d")


def log_file_path(account: str, region: str, moment: datetime, unique: str) -> PurePosixPath:
    stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    return PurePosixPath(
        "AWSLogs", account, "CloudTrail", region, _day(moment),
        f"{account}_CloudTrail_{region}_{stamp}_{unique}.json.gz",
    )  # fmt: skip


def day_of(path: PurePath) -> date:
    """The day folder a log or digest file sits in (…/YYYY/MM/DD/name)."""
    year, month, day = path.parts[-4:-1]
    return date(int(year), int(month), int(day))


def digest_path(account: str, region: str, end: datetime) -> PurePosixPath:
    stamp = end.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return PurePosixPath(
        "AWSLogs", account, "CloudTrail-Digest", region, _day(end),
        f"{account}_CloudTrail-Digest_{region}_{TRAIL_NAME}_{region}_{stamp}.json.gz",
    )  # fmt: skip


def signing_string(end_time: str, path: str, digest_bytes: bytes, previous_signature: str) -> bytes:
    """What a digest's signature covers (CloudTrail's scheme: end time, object path, the
    digest's SHA-256, and the previous digest's signature, which chains them)."""
    digest = hashlib.sha256(digest_bytes).hexdigest()
    return f"{end_time}\n{path}\n{digest}\n{previous_signature}".encode()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
