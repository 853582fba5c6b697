"""Signer's API errors, as botocore's `signer` model names them.

ApiError
└── SignerError
    ├── ValidationError          400 ValidationException
    ├── AccessDeniedError        403 AccessDeniedException
    ├── ResourceNotFoundError    404 ResourceNotFoundException
    └── InternalServiceError     500 InternalServiceErrorException
"""

from __future__ import annotations

from stockade.errors import ApiError


class SignerError(ApiError):
    sender_fault = True


class ValidationError(SignerError):
    code = "ValidationException"
    http_status = 400


class AccessDeniedError(SignerError):
    code = "AccessDeniedException"
    http_status = 403


class ResourceNotFoundError(SignerError):
    code = "ResourceNotFoundException"
    http_status = 404


class InternalServiceError(SignerError):
    code = "InternalServiceErrorException"
    http_status = 500
    sender_fault = False
