"""CloudTrail's API errors, as its model names them (all 400 but access).

ApiError
├── InvalidLookupAttributesError   400 InvalidLookupAttributesException
├── InvalidTimeRangeError          400 InvalidTimeRangeException
├── InvalidMaxResultsError         400 InvalidMaxResultsException
├── InvalidNextTokenError          400 InvalidNextTokenException
├── InvalidEventCategoryError      400 InvalidEventCategoryException
├── TrailNotFoundError             400 TrailNotFoundException
├── InvalidEventSelectorsError     400 InvalidEventSelectorsException
├── AccessDeniedError              403 AccessDeniedException (common error)
├── ValidationError                400 ValidationException (common error)
└── InternalFailureError           500 InternalFailure (common error)
"""

from __future__ import annotations

from stockade.errors import ApiError


class InvalidLookupAttributesError(ApiError):
    code = "InvalidLookupAttributesException"
    http_status = 400
    sender_fault = True


class InvalidTimeRangeError(ApiError):
    code = "InvalidTimeRangeException"
    http_status = 400
    sender_fault = True


class InvalidMaxResultsError(ApiError):
    code = "InvalidMaxResultsException"
    http_status = 400
    sender_fault = True


class InvalidNextTokenError(ApiError):
    code = "InvalidNextTokenException"
    http_status = 400
    sender_fault = True


class InvalidEventCategoryError(ApiError):
    code = "InvalidEventCategoryException"
    http_status = 400
    sender_fault = True


class AccessDeniedError(ApiError):
    code = "AccessDeniedException"
    http_status = 403


class TrailNotFoundError(ApiError):
    code = "TrailNotFoundException"
    http_status = 400
    sender_fault = True


class InvalidEventSelectorsError(ApiError):
    code = "InvalidEventSelectorsException"
    http_status = 400
    sender_fault = True


class ValidationError(ApiError):
    code = "ValidationException"
    http_status = 400
    sender_fault = True


class InternalFailureError(ApiError):
    code = "InternalFailure"
    http_status = 500
    sender_fault = False
