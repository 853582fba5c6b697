"""IAM's API errors, as its model names them (query codes in `query_code`).

ApiError
└── IamError                          wire code on the query protocol: `query_code`
    ├── NoSuchEntityError             404 NoSuchEntity
    ├── EntityAlreadyExistsError      409 EntityAlreadyExists
    ├── DeleteConflictError           409 DeleteConflict
    ├── LimitExceededError            409 LimitExceeded
    ├── MalformedPolicyDocumentError  400 MalformedPolicyDocument
    ├── InvalidInputError             400 InvalidInput
    ├── PolicyNotAttachableError      400 PolicyNotAttachable
    ├── UnmodifiableEntityError       400 UnmodifiableEntity
    ├── ValidationError               400 ValidationError (common error: a constraint failed)
    ├── AccessDeniedError             403 AccessDenied (common error)
    └── ServiceFailureError           500 ServiceFailure
"""

from __future__ import annotations

from typing import ClassVar

from stockade.errors import ApiError


class IamError(ApiError):
    sender_fault = True
    query_code: ClassVar[str] = ""

    def wire_code(self, protocol: str) -> str:
        return self.query_code if protocol == "query" and self.query_code else self.code


class NoSuchEntityError(IamError):
    code = "NoSuchEntityException"
    query_code = "NoSuchEntity"
    http_status = 404


class EntityAlreadyExistsError(IamError):
    code = "EntityAlreadyExistsException"
    query_code = "EntityAlreadyExists"
    http_status = 409


class DeleteConflictError(IamError):
    code = "DeleteConflictException"
    query_code = "DeleteConflict"
    http_status = 409


class LimitExceededError(IamError):
    code = "LimitExceededException"
    query_code = "LimitExceeded"
    http_status = 409


class MalformedPolicyDocumentError(IamError):
    code = "MalformedPolicyDocumentException"
    query_code = "MalformedPolicyDocument"
    http_status = 400


class InvalidInputError(IamError):
    code = "InvalidInputException"
    query_code = "InvalidInput"
    http_status = 400


class PolicyNotAttachableError(IamError):
    code = "PolicyNotAttachableException"
    query_code = "PolicyNotAttachable"
    http_status = 400


class UnmodifiableEntityError(IamError):
    code = "UnmodifiableEntityException"
    query_code = "UnmodifiableEntity"
    http_status = 400


class AccessDeniedError(IamError):
    code = "AccessDeniedException"
    query_code = "AccessDenied"
    http_status = 403


class ValidationError(IamError):
    code = "ValidationException"
    query_code = "ValidationError"
    http_status = 400


class ServiceFailureError(IamError):
    code = "ServiceFailureException"
    query_code = "ServiceFailure"
    http_status = 500
    sender_fault = False
