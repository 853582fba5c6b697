"""Signatures on outbound webhook deliveries, so a receiver can tell Stockade's notifications
from forged or replayed ones.

    Stockade-Signature: t=<unix seconds of the attempt>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The timestamp is signed with the body (a captured delivery cannot be replayed once it is older
than the receiver's tolerance) and is fresh on every attempt, retries included. A receiver
accepts a delivery if any `v1` matches (room for a second one while a secret is rotated).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Stockade-Signature"
SECRET_BYTES = 32
DEFAULT_TOLERANCE_S = 300


def new_secret() -> str:
    """A fresh signing secret, as the hex text operators copy to their receiver."""
    return secrets.token_hex(SECRET_BYTES)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value for one delivery attempt of `body` at `timestamp`."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    now: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> bool:
    """Whether `header` is a valid signature of `body` by `secret`, made within `tolerance_s`
    of `now`. Malformed headers are simply invalid."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if name == "t":
            if timestamp is not None or not (value.isascii() and value.isdigit()):
                return False
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance_s:
        return False
    expected = _mac(secret, timestamp, body).encode()
    # Every candidate compared, in constant time: which one matched must not show in timing.
    matches = [hmac.compare_digest(expected, c.encode()) for c in candidates]
    return any(matches)


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
