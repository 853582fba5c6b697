"""Ed25519 signing for the audit layer."""

from __future__ import annotations

import os

import pytest

from stockade.crypto import AesRootKey, Ed25519Signer, InvalidSignatureError, verify


def test_a_signature_verifies_with_the_exported_public_key() -> None:
    signer = Ed25519Signer.generate()
    signature = signer.sign(b"digest")
    pem = signer.public_key_pem()
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    verify(pem, b"digest", signature)


@pytest.mark.parametrize("position", [0, 31, 63])
def test_a_modified_signature_or_message_is_refused(position: int) -> None:
    signer = Ed25519Signer.generate()
    signature = bytearray(signer.sign(b"digest"))
    signature[position] ^= 1
    with pytest.raises(InvalidSignatureError):
        verify(signer.public_key_pem(), b"digest", bytes(signature))
    with pytest.raises(InvalidSignatureError):
        verify(signer.public_key_pem(), b"digesT", signer.sign(b"digest"))


def test_another_keys_signature_is_refused() -> None:
    with pytest.raises(InvalidSignatureError):
        verify(Ed25519Signer.generate().public_key_pem(), b"d", Ed25519Signer.generate().sign(b"d"))


def test_a_garbage_public_key_is_refused() -> None:
    with pytest.raises(InvalidSignatureError):
        verify(b"not a key", b"d", b"s" * 64)


def test_the_private_key_round_trips_only_wrapped() -> None:
    root = AesRootKey(os.urandom(32))
    signer = Ed25519Signer.generate()
    wrapped = signer.wrapped(root, {"purpose": "audit"})
    again = Ed25519Signer.from_wrapped(root, wrapped, {"purpose": "audit"})
    verify(signer.public_key_pem(), b"d", again.sign(b"d"))
    assert repr(signer) == "Ed25519Signer(<private key redacted>)"
