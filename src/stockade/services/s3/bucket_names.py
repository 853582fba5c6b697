"""S3's naming rules for general purpose buckets, as a pure check.

Source: Amazon S3 User Guide, "General purpose bucket naming rules": 3 to 63 characters of
lowercase letters, digits, dots and hyphens; a letter or digit first and last; no two adjacent
dots; not an IP address; none of the reserved prefixes (`xn--`, `sthree-`, `amzn-s3-demo-`) or
suffixes (`-s3alias`, `--ol-s3`, `.mrap`, `--x-s3`, `--table-s3`).
"""

from __future__ import annotations

import re

from stockade.services.s3.errors import InvalidBucketNameError

MIN_LENGTH = 3
MAX_LENGTH = 63
RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

_SHAPE = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")
_IP_FORM = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")


def bucket_name_problem(name: str) -> str | None:
    """Why `name` is not a valid bucket name, or None when it is."""
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return f"must be between {MIN_LENGTH} and {MAX_LENGTH} characters long"
    if not name.isascii() or _SHAPE.fullmatch(name) is None:
        return (
            "must consist of lowercase letters, numbers, dots and hyphens, and begin and end "
            "with a letter or number"
        )
    if ".." in name:
        return "must not contain two adjacent periods"
    if _IP_FORM.fullmatch(name):
        return "must not be formatted as an IP address"
    if name.startswith(RESERVED_PREFIXES):
        return "must not start with a reserved prefix"
    if name.endswith(RESERVED_SUFFIXES):
        return "must not end with a reserved suffix"
    return None


def check_bucket_name(name: str) -> str:
    """`name` when valid; otherwise S3's InvalidBucketName, naming the bucket as S3 does."""
    if bucket_name_problem(name) is not None:
        raise InvalidBucketNameError(BucketName=name[:255])
    return name
