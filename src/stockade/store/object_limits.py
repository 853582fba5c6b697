"""S3's limits, as AWS sets them (S3 User Guide: "Amazon S3 multipart upload limits",
"Naming Amazon S3 objects", "Working with object metadata"), checked with S3-named errors."""

from __future__ import annotations

from collections.abc import Sequence

from stockade.store.object_errors import (
    EntityTooLarge,
    InvalidArgument,
    KeyTooLongError,
    MetadataTooLarge,
)

GIB = 1024**3
MIB = 1024**2
SINGLE_PUT_MAX = 5 * GIB  # PutObject: "up to 5 GB"
OBJECT_MAX = 5 * 1024 * GIB  # 5 TiB
PART_MIN = 5 * MIB  # every part but the last
PART_MAX = 5 * GIB
PART_NUMBER_MAX = 10_000
KEY_MAX_BYTES = 1024  # "The name for a key is a sequence of Unicode characters whose UTF-8
# encoding is at most 1,024 bytes long."
USER_METADATA_MAX = 2 * 1024  # "the sum of the number of bytes in the UTF-8 encoding of each
# key and value" of the user-defined metadata
LIST_MAX = 1000  # ListObjectsV2 / ListObjectVersions MaxKeys ceiling


def check_key(key: str) -> bytes:
    """The key's UTF-8 bytes (its sort order), or KeyTooLongError."""
    try:
        data = key.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates: not UTF-8 at all
        raise InvalidArgument("The key is not valid UTF-8.") from exc
    if not data:
        raise InvalidArgument("The key is empty.")
    if len(data) > KEY_MAX_BYTES:
        raise KeyTooLongError("Your key is too long")
    return data


def check_metadata(pairs: Sequence[tuple[str, str]]) -> None:
    size = sum(len(k.encode()) + len(v.encode()) for k, v in pairs)
    if size > USER_METADATA_MAX:
        raise MetadataTooLarge("Your metadata headers exceed the maximum allowed metadata size.")


def check_part_number(number: int) -> None:
    if not 1 <= number <= PART_NUMBER_MAX:
        raise InvalidArgument("Part number must be an integer between 1 and 10000, inclusive")


def too_large(size: int, limit: int) -> EntityTooLarge:
    return EntityTooLarge(
        f"Your proposed upload exceeds the maximum allowed size ({size} > {limit} bytes)."
    )
