"""A value sealed under a data key opens only with that key and that encryption context."""

from __future__ import annotations

import pytest

from stockade.crypto import InvalidBlobError, open_with, seal_with
from stockade.crypto.errors import MalformedBlobError, TamperedBlobError

KEY = bytes(range(32))
CONTEXT = {"SecretARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf",
           "SecretVersionId": "v1"}  # fmt: skip


def test_a_value_round_trips_and_is_not_in_the_blob() -> None:
    blob = seal_with(KEY, b"plaintext-value", CONTEXT)
    assert b"plaintext-value" not in blob
    assert open_with(KEY, blob, CONTEXT) == b"plaintext-value"


def test_another_context_key_or_a_flipped_bit_is_refused() -> None:
    blob = seal_with(KEY, b"v", CONTEXT)
    with pytest.raises(TamperedBlobError):
        open_with(KEY, blob, {**CONTEXT, "SecretVersionId": "v2"})
    with pytest.raises(TamperedBlobError):
        open_with(bytes(32), blob, CONTEXT)
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(TamperedBlobError):
        open_with(KEY, flipped, CONTEXT)


def test_a_blob_of_no_known_format_is_refused() -> None:
    with pytest.raises(MalformedBlobError):
        open_with(KEY, b"\x02" + bytes(40), CONTEXT)
    with pytest.raises(InvalidBlobError):
        open_with(KEY, b"\x01", CONTEXT)
