"""Lambda's API errors, as its model names them.

ApiError
├── ResourceNotFoundError          404 ResourceNotFoundException
├── ResourceConflictError          409 ResourceConflictException
├── InvalidParameterValueError     400 InvalidParameterValueException
├── PreconditionFailedError        412 PreconditionFailedException
├── CodeStorageExceededError       400 CodeStorageExceededException
├── AccessDeniedError              403 AccessDeniedException
└── ServiceError                   500 ServiceException
"""

from __future__ import annotations

from stockade.errors import ApiError


class ResourceNotFoundError(ApiError):
    code = "ResourceNotFoundException"
    http_status = 404
    sender_fault = True


class ResourceConflictError(ApiError):
    code = "ResourceConflictException"
    http_status = 409
    sender_fault = True


class InvalidParameterValueError(ApiError):
    code = "InvalidParameterValueException"
    http_status = 400
    sender_fault = True


class PreconditionFailedError(ApiError):
    code = "PreconditionFailedException"
    http_status = 412
    sender_fault = True

    def __init__(self, what: str = "GetFunction/GetAlias") -> None:
        super().__init__(
            "The Revision Id provided does not match the latest Revision Id. Call the"
            f" {what} API to retrieve the latest Revision Id"
        )


class CodeStorageExceededError(ApiError):
    code = "CodeStorageExceededException"
    http_status = 400
    sender_fault = True


class AccessDeniedError(ApiError):
    code = "AccessDeniedException"
    http_status = 403
    sender_fault = True


class ServiceError(ApiError):
    code = "ServiceException"
    http_status = 500
    sender_fault = False
