"""ECDSA P-384 code-signing keys: wrapped at rest, bound to their profile version."""

from __future__ import annotations

import os

import pytest

from stockade.crypto import (
    AesRootKey,
    CodeSigningKeys,
    InvalidBlobError,
    InvalidSignatureError,
    verify_code_signature,
)

CONTEXT = {"stockade:profileVersionArn": "arn:one"}


def keys() -> CodeSigningKeys:
    return CodeSigningKeys(AesRootKey(os.urandom(32)))


def test_a_signature_verifies_with_the_public_key_only() -> None:
    signer = keys()
    key = signer.generate(CONTEXT)
    signature = signer.sign(key.wrapped_private_key, CONTEXT, b"statement")
    verify_code_signature(key.public_key_pem, b"statement", signature)
    with pytest.raises(InvalidSignatureError):
        verify_code_signature(key.public_key_pem, b"other statement", signature)
    assert b"PRIVATE" not in key.wrapped_private_key
    assert "wrapped" not in repr(key)


def test_a_wrapped_key_is_bound_to_its_context() -> None:
    signer = keys()
    key = signer.generate(CONTEXT)
    with pytest.raises(InvalidBlobError):
        signer.sign(key.wrapped_private_key, {"stockade:profileVersionArn": "arn:two"}, b"x")


def test_another_key_or_garbage_does_not_verify() -> None:
    signer = keys()
    one, two = signer.generate(CONTEXT), signer.generate(CONTEXT)
    signature = signer.sign(one.wrapped_private_key, CONTEXT, b"x")
    with pytest.raises(InvalidSignatureError):
        verify_code_signature(two.public_key_pem, b"x", signature)
    with pytest.raises(InvalidSignatureError):
        verify_code_signature(b"not a key", b"x", signature)
