"""Shared vocabulary: names for the strings and numbers that cross package boundaries."""

from __future__ import annotations

import os
import random
import uuid
from typing import NewType

AccountId = NewType("AccountId", str)
"""A 12-digit AWS account id."""

Region = NewType("Region", str)
RequestId = NewType("RequestId", str)
AccessKeyId = NewType("AccessKeyId", str)
Sha256Hex = NewType("Sha256Hex", str)
"""Lower-case hex SHA-256 digest; content address of an artifact."""


class RequestIds:
    """Random version-4 UUIDs for request ids without a getrandom() call per id.

    Request ids are public correlation handles, not secrets, so a PRNG seeded once from the OS
    is enough; on hosts where every syscall is expensive this keeps them off the hot path.
    """

    def __init__(self) -> None:
        self._random = random.Random(int.from_bytes(os.urandom(16), "big"))  # noqa: S311

    def __call__(self) -> str:
        bits = self._random.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))


def ascii_digits(text: str) -> bool:
    """Whether `text` is a plain decimal number: "²".isdigit() is true, and int() refuses it."""
    return text.isascii() and text.isdigit()
