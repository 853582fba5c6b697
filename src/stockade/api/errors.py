"""Errors raised by the API edge itself (before any service runs).

ApiError (stockade.errors)
├── AuthenticationError            SigV4 failures; code depends on the protocol family
│   ├── MissingAuthenticationTokenError
│   ├── IncompleteSignatureError
│   ├── InvalidSignatureError      also expired or not-yet-valid requests
│   ├── UnrecognizedClientError    unknown or inactive access key, bad session token
│   └── ExpiredTokenError          temporary credentials past their expiry
├── UnknownOperationError          no operation matches the request
├── UnsupportedServiceError        signed for an AWS service this server does not serve
├── RequestTooLargeError
├── MalformedRequestError          body or parameter cannot be deserialised
└── ValidationError                the model's constraints are not met
"""

from __future__ import annotations

from typing import ClassVar

from stockade.errors import ApiError
from stockade.kernel.errors import NotImplementedOperationError


class AuthenticationError(ApiError):
    http_status = 403
    sender_fault = True
    # Wire codes per protocol family: REST/JSON services vs the query protocol (IAM, STS).
    code = "AccessDeniedException"
    query_code: ClassVar[str] = "AccessDenied"

    def wire_code(self, protocol: str) -> str:
        # The XML protocols (query, and S3's and EC2's, for services this server refuses)
        # name these errors without the suffix.
        return self.query_code if protocol in ("query", "rest-xml", "ec2") else self.code


class MissingAuthenticationTokenError(AuthenticationError):
    code = "MissingAuthenticationTokenException"
    query_code = "MissingAuthenticationToken"


class IncompleteSignatureError(AuthenticationError):
    http_status = 400
    code = "IncompleteSignatureException"
    query_code = "IncompleteSignature"


class InvalidSignatureError(AuthenticationError):
    code = "InvalidSignatureException"
    query_code = "SignatureDoesNotMatch"


class UnrecognizedClientError(AuthenticationError):
    code = "UnrecognizedClientException"
    query_code = "InvalidClientTokenId"


class ExpiredTokenError(AuthenticationError):
    code = "ExpiredTokenException"
    query_code = "ExpiredToken"


class UnknownOperationError(ApiError):
    code = "UnknownOperationException"
    http_status = 404
    sender_fault = True

    def wire_code(self, protocol: str) -> str:
        # EC2 answers an unknown Action with InvalidAction (EC2 API reference, common errors).
        return "InvalidAction" if protocol == "ec2" else self.code


class UnsupportedServiceError(NotImplementedOperationError):
    """501 NotImplemented, in the addressed service's own protocol: the code S3 answers for
    functionality it does not implement, which every SDK surfaces as an error with that code
    and no SDK retries (they retry 500, 502, 503 and 504)."""


class RequestTooLargeError(ApiError):
    code = "RequestEntityTooLargeException"
    http_status = 413
    sender_fault = True


class MalformedRequestError(ApiError):
    code = "SerializationException"
    http_status = 400
    sender_fault = True

    def wire_code(self, protocol: str) -> str:
        # Lambda names this error after its own model; the query protocol has no body to parse.
        if protocol == "rest-json":
            return "InvalidRequestContentException"
        return "MalformedQueryString" if protocol in ("query", "ec2") else self.code


class ValidationError(ApiError):
    code = "ValidationException"
    http_status = 400
    sender_fault = True

    def wire_code(self, protocol: str) -> str:
        return "ValidationError" if protocol == "query" else self.code
