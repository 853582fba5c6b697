"""The segment cipher: each segment is bound to its body, its index and whether it is last."""

from __future__ import annotations

import os

import pytest

from stockade.crypto.segments import SEGMENT_BYTES, AesGcmSegments

KEY = os.urandom(32)
BODY = "0" * 32
OTHER = "1" * 32


def test_a_segment_opens_only_where_it_was_sealed() -> None:
    body = AesGcmSegments().for_body(KEY, BODY)
    sealed = body.seal(3, False, b"segment three")
    assert body.open(3, False, sealed) == b"segment three"
    assert body.open(4, False, sealed) is None  # moved: reordering
    assert body.open(3, True, sealed) is None  # claimed final: truncation after it
    assert AesGcmSegments().for_body(KEY, OTHER).open(3, False, sealed) is None  # spliced
    assert AesGcmSegments().for_body(os.urandom(32), BODY).open(3, False, sealed) is None


def test_a_flipped_bit_fails_authentication() -> None:
    body = AesGcmSegments().for_body(KEY, BODY)
    sealed = bytearray(body.seal(0, True, b"x" * 100))
    sealed[50] ^= 1
    assert body.open(0, True, bytes(sealed)) is None
    assert body.open(0, True, b"short") is None


def test_ciphertext_does_not_contain_the_plaintext_and_bodies_differ() -> None:
    plain = b"canary-" * 1000
    one = AesGcmSegments().for_body(KEY, BODY).seal(0, True, plain)
    two = AesGcmSegments().for_body(KEY, OTHER).seal(0, True, plain)
    assert b"canary-" not in one
    assert one != two  # a per-body key: equal plaintexts never share ciphertext
    assert len(one) == len(plain) + AesGcmSegments.overhead_bytes


def test_a_segment_is_at_most_segment_bytes() -> None:
    with pytest.raises(ValueError, match="at most"):
        AesGcmSegments().for_body(KEY, BODY).seal(0, True, bytes(SEGMENT_BYTES + 1))
    with pytest.raises(ValueError, match="32 bytes"):
        AesGcmSegments().for_body(b"short", BODY)
