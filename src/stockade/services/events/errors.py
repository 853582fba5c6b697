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


class ResourceNotFoundError(EventsError):
    code = "ResourceNotFoundException"
    http_status = 400
    sender_fault = True


class ResourceAlreadyExistsError(EventsError):
    code = "ResourceAlreadyExistsException"
    http_status = 400
    sender_fault = True


class InvalidEventPatternError(EventsError):
    code = "InvalidEventPatternException"
    http_status = 400
    sender_fault = True


class LimitExceededError(EventsError):
    code = "LimitExceededException"
    http_status = 400
    sender_fault = True


class ValidationError(EventsError):
    code = "ValidationException"
    http_status = 400
    sender_fault = True


class AccessDeniedError(EventsError):
    code = "AccessDeniedException"
    http_status = 403
    sender_fault = True


class InternalError(EventsError):
    code = "InternalException"
    http_status = 500
    sender_fault = False


def no_bus(name: str) -> ResourceNotFoundError:
    return ResourceNotFoundError(f"Event bus {name} does not exist.")


def no_rule(name: str, bus: str) -> ResourceNotFoundError:
    return ResourceNotFoundError(f"Rule {name} does not exist on EventBus {bus}.")
