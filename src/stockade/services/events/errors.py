"""EventBridge's API errors, as its model names them (all 400 sender faults but the internal
one, which is a 500 receiver fault).

ApiError
└── EventsError
    ├── ResourceNotFoundError          ResourceNotFoundException
    ├── ResourceAlreadyExistsError     ResourceAlreadyExistsException
    ├── InvalidEventPatternError       InvalidEventPatternException
    ├── LimitExceededError             LimitExceededException
    ├── ValidationError                ValidationException (also the model's constraints)
    ├── AccessDeniedError              403 AccessDeniedException
    └── InternalError                  500 InternalException
"""

from __future__ import annotations

from stockade.errors import ApiError


class EventsError(ApiError):
    code = "InternalException"  # every subclass names its own


class _SenderError(EventsError):
    sender_fault = True
    http_status = 400


class ResourceNotFoundError(_SenderError):
    code = "ResourceNotFoundException"


class ResourceAlreadyExistsError(_SenderError):
    code = "ResourceAlreadyExistsException"


class InvalidEventPatternError(_SenderError):
    code = "InvalidEventPatternException"


class LimitExceededError(_SenderError):
    code = "LimitExceededException"


class ValidationError(_SenderError):
    code = "ValidationException"


class AccessDeniedError(_SenderError):
    code = "AccessDeniedException"
    http_status = 403


class InternalError(EventsError):
    code = "InternalException"
    http_status = 500
    sender_fault = False


def no_bus(name: str) -> ResourceNotFoundError:
    return ResourceNotFoundError(f"Event bus {name} does not exist.")


def no_rule(name: str, bus: str) -> ResourceNotFoundError:
    return ResourceNotFoundError(f"Rule {name} does not exist on EventBus {bus}.")
