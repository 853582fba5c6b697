"""The network package's errors."""

from __future__ import annotations


class NetworkError(Exception):
    """Function networking could not be set up or changed."""


class NetworkUnavailableError(NetworkError):
    """The host lacks what function networking needs (CAP_NET_ADMIN, nft, ip, a free block)."""
