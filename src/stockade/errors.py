"""The root of every error Stockade raises on purpose.

    StockadeError
    ├── ApiError                 visible on the wire: carries code, HTTP status and sender fault
    │   └── (one subtree per service: services/<svc>/errors.py, api/errors.py)
    ├── InternalError            a bug or a broken invariant; answered as a generic 500-class error
    └── StorageUnavailableError  the data dir refused a write (full, read-only, locked, failing);
                                 answered with the service's own internal error (5xx)

Packages below the API (domain, sandbox, store, ...) raise their own subclasses of
`StockadeError`; services translate them into `ApiError`s with `raise ... from exc` so that the
wire identity of an error is decided in one place per service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class StockadeError(Exception):
    """Root of every error raised deliberately by Stockade."""


class InternalError(StockadeError):
    """An invariant was broken; never shows details to the caller."""


class ApiError(StockadeError):
    """An error with a wire identity.

    Subclasses declare `code`, `http_status` and `sender_fault` as class attributes; a meta-test
    checks them against botocore's service models wherever the code is modelled there.
    The message must never contain secrets: it is returned to the caller and audited.
    """

    code: ClassVar[str] = "InternalFailure"
    http_status: ClassVar[int] = 500
    sender_fault: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def wire_code(self, protocol: str) -> str:
        """The code on the wire for a protocol family ("rest-json", "json", "query")."""
        return self.code

    def wire_fields(self) -> Mapping[str, object]:
        """Extra modelled members of the error shape (e.g. `Reason`), empty by default."""
        return {}

    def wire_headers(self) -> Mapping[str, str]:
        """Extra response headers (e.g. `Retry-After`), empty by default."""
        return {}

    def wire_omits(self) -> frozenset[str]:
        """Modelled members AWS leaves out of this particular answer (e.g. `Type`), none by
        default."""
        return frozenset()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.http_status}, {self.message!r})"


class StorageUnavailableError(StockadeError):
    """The data dir could not take a write: full, read-only, locked past the busy timeout, or
    failing. Raised by the storage adapters in place of the OS's or SQLite's error, after the
    write was rolled back: nothing was changed, and the same request may succeed once the fault
    clears. `reason` is one of `REASONS`; the message names no path or value."""

    REASONS: ClassVar[frozenset[str]] = frozenset({"full", "read-only", "locked", "failing"})

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"storage {reason}" + (f": {detail}" if detail else ""))
        self.reason = reason
