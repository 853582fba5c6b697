"""The operator API's errors (stockade.services.operator model.json).

ApiError
├── ValidationError        400 ValidationException
├── AccessDeniedError      403 AccessDeniedException
├── ResourceNotFoundError  404 ResourceNotFoundException
└── InternalFailureError   500 InternalFailure
"""

from __future__ import annotations

from stockade.errors import ApiError


class ValidationError(ApiError):
    code = "ValidationException"
    http_status = 400
    sender_fault = True


class AccessDeniedError(ApiError):
    code = "AccessDeniedException"
    http_status = 403
    sender_fault = True


class ResourceNotFoundError(ApiError):
    code = "ResourceNotFoundException"
    http_status = 404
    sender_fault = True


class InternalFailureError(ApiError):
    code = "InternalFailure"
    http_status = 500
    sender_fault = False
