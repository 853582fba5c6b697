"""Versioned key material and self-describing blobs: round trips, rotation, and tampering."""

from __future__ import annotations

import pytest

from stockade.crypto import (
    AesRootKey,
    EnvelopeCipher,
    InvalidBlobError,
    KeyMismatchError,
    MalformedBlobError,
    TamperedBlobError,
    read_header,
)

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
CONTEXT = {"purpose": "test", "tenant": "a"}


@pytest.fixture
def cipher() -> EnvelopeCipher:
    return EnvelopeCipher(AesRootKey(bytes(range(32))))


def test_a_blob_decrypts_to_its_plaintext_and_names_its_key(cipher: EnvelopeCipher) -> None:
    key = cipher.new_version(KEY_ID, 1)
    blob = cipher.encrypt(key, b"secret", CONTEXT)
    assert cipher.decrypt(key, blob, dict(reversed(CONTEXT.items()))) == b"secret"
    header = read_header(blob)
    assert (header.key_id, header.key_version) == (KEY_ID, 1)
    assert b"secret" not in blob


def test_encrypting_twice_gives_different_blobs(cipher: EnvelopeCipher) -> None:
    key = cipher.new_version(KEY_ID, 1)
    assert cipher.encrypt(key, b"x", {}) != cipher.encrypt(key, b"x", {})


def test_key_material_is_stored_only_wrapped(cipher: EnvelopeCipher) -> None:
    key = cipher.new_version(KEY_ID, 1)
    assert len(key.wrapped) > 32
    assert "redacted" in repr(key)
    assert key.wrapped.hex() not in repr(key)


@pytest.mark.parametrize(
    "context",
    [
        {},
        {"purpose": "test"},
        {"purpose": "test", "tenant": "b"},
        {"purposetest": "", "tenant": "a"},
    ],
)
def test_a_different_encryption_context_is_refused(
    cipher: EnvelopeCipher, context: dict[str, str]
) -> None:
    key = cipher.new_version(KEY_ID, 1)
    blob = cipher.encrypt(key, b"secret", CONTEXT)
    with pytest.raises(TamperedBlobError):
        cipher.decrypt(key, blob, context)


def test_a_rotated_key_still_decrypts_old_blobs(cipher: EnvelopeCipher) -> None:
    v1 = cipher.new_version(KEY_ID, 1)
    old = cipher.encrypt(v1, b"old", {})
    v2 = cipher.new_version(KEY_ID, 2)
    new = cipher.encrypt(v2, b"new", {})
    assert read_header(new).key_version == 2
    assert cipher.decrypt(v1, old, {}) == b"old"
    assert cipher.decrypt(v2, new, {}) == b"new"
    with pytest.raises(KeyMismatchError):
        cipher.decrypt(v2, old, {})


def test_another_keys_material_is_refused(cipher: EnvelopeCipher) -> None:
    blob = cipher.encrypt(cipher.new_version(KEY_ID, 1), b"x", {})
    other = cipher.new_version("other-key", 1)
    with pytest.raises(KeyMismatchError):
        cipher.decrypt(other, blob, {})


def test_wrapped_material_moved_to_another_key_id_does_not_unwrap(
    cipher: EnvelopeCipher,
) -> None:
    key = cipher.new_version(KEY_ID, 1)
    blob = cipher.encrypt(key, b"x", {})
    moved = type(key)("other-key", 1, key.wrapped)
    with pytest.raises(InvalidBlobError):
        cipher.decrypt(moved, blob.replace(KEY_ID.encode(), b"other-key"), {})


def test_material_wrapped_by_another_root_key_is_refused(cipher: EnvelopeCipher) -> None:
    key = cipher.new_version(KEY_ID, 1)
    blob = cipher.encrypt(key, b"x", {})
    with pytest.raises(KeyMismatchError):
        EnvelopeCipher(AesRootKey(bytes(32))).decrypt(key, blob, {})


def test_flipping_any_bit_of_a_blob_is_refused(cipher: EnvelopeCipher) -> None:
    key = cipher.new_version(KEY_ID, 1)
    blob = cipher.encrypt(key, b"attack at dawn", CONTEXT)
    # Every byte position: magic, format, key id length, key id, version, nonce, body, tag.
    for position in range(len(blob)):
        for bit in (0x01, 0x80):
            tampered = bytearray(blob)
            tampered[position] ^= bit
            with pytest.raises(InvalidBlobError):
                cipher.decrypt(key, bytes(tampered), CONTEXT)


@pytest.mark.parametrize(
    ("region", "error"),
    [
        (slice(0, 3), MalformedBlobError),  # magic
        (slice(3, 4), MalformedBlobError),  # format version
        (slice(5, 6), KeyMismatchError),  # inside the key id
        (slice(5 + 36 + 3, 5 + 36 + 4), KeyMismatchError),  # key version
        (slice(5 + 36 + 4, 5 + 36 + 5), TamperedBlobError),  # nonce
        (slice(-20, -19), TamperedBlobError),  # ciphertext body
        (slice(-1, None), TamperedBlobError),  # tag
    ],
)
def test_each_part_of_a_blob_fails_with_a_precise_error(
    cipher: EnvelopeCipher, region: slice, error: type[InvalidBlobError]
) -> None:
    key = cipher.new_version(KEY_ID, 1)
    blob = bytearray(cipher.encrypt(key, b"attack at dawn, quietly", CONTEXT))
    index = range(len(blob))[region][0]
    blob[index] ^= 0x04
    with pytest.raises(error):
        cipher.decrypt(key, bytes(blob), CONTEXT)


@pytest.mark.parametrize("cut", [0, 3, 10, 45, 50, 60])
def test_a_truncated_blob_is_malformed(cipher: EnvelopeCipher, cut: int) -> None:
    key = cipher.new_version(KEY_ID, 1)
    blob = cipher.encrypt(key, b"x", {})
    with pytest.raises(MalformedBlobError):
        cipher.decrypt(key, blob[:cut], {})
