"""nftables transactions in-process, through libnftables (what the `nft` tool is built on).

Loading a ruleset into a VPC router is on the cold path of an environment in a VPC: a call
into the library from a thread inside the router's namespace costs far less than starting
`nsenter` and `nft`. Each call has its own context; errors come back as the tool's text.
"""

from __future__ import annotations

import ctypes
import ctypes.util

from stockade.sandbox.network.errors import NetworkError
from stockade.sandbox.network.netns_socket import call_in_netns

_ERROR_CHARS = 400


class LibNftables:
    def __init__(self, library: ctypes.CDLL) -> None:
        lib = library
        lib.nft_ctx_new.restype = ctypes.c_void_p
        lib.nft_ctx_new.argtypes = [ctypes.c_uint32]
        lib.nft_ctx_free.argtypes = [ctypes.c_void_p]
        lib.nft_ctx_buffer_output.argtypes = [ctypes.c_void_p]
        lib.nft_ctx_buffer_error.argtypes = [ctypes.c_void_p]
        lib.nft_ctx_get_error_buffer.restype = ctypes.c_char_p
        lib.nft_ctx_get_error_buffer.argtypes = [ctypes.c_void_p]
        lib.nft_run_cmd_from_buffer.restype = ctypes.c_int
        lib.nft_run_cmd_from_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        self._lib = lib

    @classmethod
    def load(cls) -> LibNftables | None:
        """None when the library is not installed (the `nft` tool serves then)."""
        name = ctypes.util.find_library("nftables")
        if name is None:
            return None
        try:
            return cls(ctypes.CDLL(name))
        except (OSError, AttributeError):
            return None

    def run(self, text: str, netns: str | None = None) -> None:
        """One transaction, in the named namespace (None: this thread's); blocking."""
        if netns is None:
            self._run(text)
        else:
            call_in_netns(netns, lambda: self._run(text))

    def _run(self, text: str) -> None:
        lib = self._lib
        ctx = lib.nft_ctx_new(0)
        if not ctx:
            raise NetworkError("libnftables could not make a context")
        try:
            lib.nft_ctx_buffer_output(ctx)
            lib.nft_ctx_buffer_error(ctx)
            if lib.nft_run_cmd_from_buffer(ctx, text.encode()) != 0:
                error = lib.nft_ctx_get_error_buffer(ctx) or b""
                message = error.decode(errors="replace").strip()[:_ERROR_CHARS]
                raise NetworkError(f"nftables refused the transaction: {message}")
        finally:
            lib.nft_ctx_free(ctx)
