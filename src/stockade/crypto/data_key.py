"""A value sealed under a plaintext data key (the service-side half of envelope encryption:
the data key itself is encrypted by the key service and stored beside the value)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from stockade.crypto import aead
from stockade.crypto.errors import MalformedBlobError

_FORMAT = b"\x01"


def _aad(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":")).encode()


def seal_with(data_key: bytes, plaintext: bytes, context: Mapping[str, str]) -> bytes:
    """`plaintext` under `data_key`, bound to `context` (which must match to open it)."""
    nonce, sealed = aead.seal(data_key, plaintext, _aad(context))
    return _FORMAT + nonce + sealed


def open_with(data_key: bytes, blob: bytes, context: Mapping[str, str]) -> bytes:
    """What `seal_with` sealed; TamperedBlobError if anything differs."""
    if len(blob) < 1 + aead.NONCE_BYTES + aead.TAG_BYTES or blob[:1] != _FORMAT:
        raise MalformedBlobError("The sealed value is not in a known format.")
    nonce = blob[1 : 1 + aead.NONCE_BYTES]
    return aead.open_(data_key, nonce, blob[1 + aead.NONCE_BYTES :], _aad(context))
