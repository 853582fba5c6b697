"""Shared vocabulary: names for the strings and numbers that cross package boundaries."""

from __future__ import annotations

from typing import NewType

AccountId = NewType("AccountId", str)
"""A 12-digit AWS account id."""

Region = NewType("Region", str)
RequestId = NewType("RequestId", str)
AccessKeyId = NewType("AccessKeyId", str)
Sha256Hex = NewType("Sha256Hex", str)
"""Lower-case hex SHA-256 digest; content address of an artifact."""
