"""Errors the kernel itself answers with (services answer with their own, declared in their
tables: access denied, validation, internal failure).

ApiError (stockade.errors)
├── NotImplementedOperationError   in the service's model, not served by Stockade
└── InternalFailure                a bug, for a request that reached no service table
"""

from __future__ import annotations

from stockade.errors import ApiError
from stockade.services.declaration import ServiceErrors
from stockade.storage_faults import storage_fault


class NotImplementedOperationError(ApiError):
    code = "NotImplemented"
    http_status = 501
    sender_fault = False


class InternalFailure(ApiError):
    code = "InternalFailure"
    http_status = 500
    sender_fault = False


INTERNAL_MESSAGE = "An internal error occurred."
STORAGE_MESSAGE = (
    "The request could not be completed because the server's storage is unavailable;"
    " nothing was changed. Retry the request later."
)


def internal_failure(errors: ServiceErrors | None, exc: BaseException) -> ApiError:
    """The answer to a failure that is not the caller's: the service's own internal error,
    saying so when the data dir's storage is what failed (a retry may then succeed)."""
    message = STORAGE_MESSAGE if storage_fault(exc) is not None else INTERNAL_MESSAGE
    if errors is None:
        return InternalFailure(message)
    return errors.internal(message)
