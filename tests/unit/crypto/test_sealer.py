"""The store's sealer: per-object data keys, bound to the object's identity."""

from __future__ import annotations

import os

import pytest

from stockade.crypto import AesRootKey, EnvelopeSealer, InvalidBlobError, RootDataKeys

CONTEXT = ("artifact", "ab" * 32)


@pytest.fixture
def sealer() -> EnvelopeSealer:
    return EnvelopeSealer(RootDataKeys(AesRootKey(os.urandom(32))))


def test_a_sealed_object_opens_under_its_own_context(sealer: EnvelopeSealer) -> None:
    sealed = sealer.seal(b"function code", CONTEXT)
    assert b"function code" not in sealed
    assert sealer.open(sealed, CONTEXT) == b"function code"
    assert sealer.open(sealer.seal(b"", CONTEXT), CONTEXT) == b""


@pytest.mark.parametrize(
    "context", [("artifact", "cd" * 32), ("artifact",), ("artifactab" * 32,), (), CONTEXT[::-1]]
)
def test_a_sealed_object_does_not_open_as_another_object(
    sealer: EnvelopeSealer, context: tuple[str, ...]
) -> None:
    sealed = sealer.seal(b"code", CONTEXT)
    with pytest.raises(InvalidBlobError):
        sealer.open(sealed, context)


def test_each_object_gets_its_own_data_key(sealer: EnvelopeSealer) -> None:
    one, two = sealer.seal(b"same", CONTEXT), sealer.seal(b"same", CONTEXT)
    assert one[:80] != two[:80]


def test_any_modified_byte_is_refused(sealer: EnvelopeSealer) -> None:
    sealed = sealer.seal(b"payload of some length", CONTEXT)
    for position in range(len(sealed)):
        tampered = bytearray(sealed)
        tampered[position] ^= 0x01
        with pytest.raises(InvalidBlobError):
            sealer.open(bytes(tampered), CONTEXT)


def test_another_root_key_cannot_open_it(sealer: EnvelopeSealer) -> None:
    sealed = sealer.seal(b"x", CONTEXT)
    with pytest.raises(InvalidBlobError):
        EnvelopeSealer(RootDataKeys(AesRootKey(os.urandom(32)))).open(sealed, CONTEXT)


def test_the_sealer_repr_shows_no_key(sealer: EnvelopeSealer) -> None:
    assert "RootDataKeys" in repr(sealer)
    assert "local-" in repr(sealer)
