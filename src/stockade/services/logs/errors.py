"""CloudWatch Logs' API errors, as its model names them (all 400 but the common access denial).

ApiError
├── ResourceNotFoundError          400 ResourceNotFoundException
├── ResourceAlreadyExistsError     400 ResourceAlreadyExistsException
├── InvalidParameterError          400 InvalidParameterException (also the service's
│                                      constraint failures, which other services call
│                                      ValidationException)
├── LimitExceededError             400 LimitExceededException
├── AccessDeniedError              403 AccessDeniedException (common error; CloudWatch Logs
│                                      itself answers 400, which no client tells apart)
└── ServiceUnavailableError        500 ServiceUnavailableException (the model's server fault)
"""

from __future__ import annotations

from stockade.errors import ApiError

GROUP_NOT_FOUND = "The specified log group does not exist."
STREAM_NOT_FOUND = "The specified log stream does not exist."


class ResourceNotFoundError(ApiError):
    code = "ResourceNotFoundException"
    http_status = 400
    sender_fault = True


class ResourceAlreadyExistsError(ApiError):
    code = "ResourceAlreadyExistsException"
    http_status = 400
    sender_fault = True


class InvalidParameterError(ApiError):
    code = "InvalidParameterException"
    http_status = 400
    sender_fault = True


class LimitExceededError(ApiError):
    code = "LimitExceededException"
    http_status = 400
    sender_fault = True


class AccessDeniedError(ApiError):
    code = "AccessDeniedException"
    http_status = 403
    sender_fault = True


class ServiceUnavailableError(ApiError):
    code = "ServiceUnavailableException"
    http_status = 500
    sender_fault = False
