"""STS's API errors, as its model names them.

ApiError
└── StsError                          wire code on the query protocol: `query_code`
    ├── MalformedPolicyDocumentError  400 MalformedPolicyDocument
    ├── PackedPolicyTooLargeError     400 PackedPolicyTooLarge
    ├── ValidationError               400 ValidationError (common error)
    ├── AccessDeniedError             403 AccessDenied (common error)
    └── InternalFailureError          500 InternalFailure (common error)
"""

from __future__ import annotations

from typing import ClassVar

from stockade.errors import ApiError


class StsError(ApiError):
    sender_fault = True
    query_code: ClassVar[str] = ""

    def wire_code(self, protocol: str) -> str:
        return self.query_code if protocol == "query" and self.query_code else self.code


class MalformedPolicyDocumentError(StsError):
    code = "MalformedPolicyDocumentException"
    query_code = "MalformedPolicyDocument"
    http_status = 400


class PackedPolicyTooLargeError(StsError):
    code = "PackedPolicyTooLargeException"
    query_code = "PackedPolicyTooLarge"
    http_status = 400


class ValidationError(StsError):
    code = "ValidationException"
    query_code = "ValidationError"
    http_status = 400


class AccessDeniedError(StsError):
    code = "AccessDeniedException"
    query_code = "AccessDenied"
    http_status = 403


class InternalFailureError(StsError):
    code = "InternalFailure"
    query_code = "InternalFailure"
    http_status = 500
    sender_fault = False
