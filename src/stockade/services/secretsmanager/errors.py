"""Secrets Manager's API errors, as botocore's `secretsmanager` model names them (400 sender
faults but the internal one), with AWS's messages for the common cases (AWS-recorded
snapshots: LocalStack's tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json).

ApiError
└── SecretsError
    ├── ResourceNotFoundError          ResourceNotFoundException
    ├── ResourceExistsError            ResourceExistsException
    ├── InvalidRequestError            InvalidRequestException
    ├── InvalidParameterError          InvalidParameterException
    ├── InvalidNextTokenError          InvalidNextTokenException
    ├── LimitExceededError             LimitExceededException
    ├── MalformedPolicyDocumentError   MalformedPolicyDocumentException
    ├── PublicPolicyError              PublicPolicyException
    ├── DecryptionFailureError         DecryptionFailure
    ├── EncryptionFailureError         EncryptionFailure
    ├── ValidationError                ValidationException (common error)
    ├── AccessDeniedError              403 AccessDeniedException (common error)
    └── InternalServiceError           500 InternalServiceError
"""

from __future__ import annotations

from stockade.errors import ApiError


class SecretsError(ApiError):
    sender_fault = True  # every subclass names its own code and status


class ResourceNotFoundError(SecretsError):
    code = "ResourceNotFoundException"
    http_status = 400


class ResourceExistsError(SecretsError):
    code = "ResourceExistsException"
    http_status = 400


class InvalidRequestError(SecretsError):
    code = "InvalidRequestException"
    http_status = 400


class InvalidParameterError(SecretsError):
    code = "InvalidParameterException"
    http_status = 400


class InvalidNextTokenError(SecretsError):
    code = "InvalidNextTokenException"
    http_status = 400


class LimitExceededError(SecretsError):
    code = "LimitExceededException"
    http_status = 400


class MalformedPolicyDocumentError(SecretsError):
    code = "MalformedPolicyDocumentException"
    http_status = 400


class PublicPolicyError(SecretsError):
    code = "PublicPolicyException"
    http_status = 400


class DecryptionFailureError(SecretsError):
    code = "DecryptionFailure"
    http_status = 400


class EncryptionFailureError(SecretsError):
    code = "EncryptionFailure"
    http_status = 400


class ValidationError(SecretsError):
    code = "ValidationException"
    http_status = 400


class AccessDeniedError(SecretsError):
    code = "AccessDeniedException"
    http_status = 403


class InternalServiceError(SecretsError):
    code = "InternalServiceError"
    http_status = 500
    sender_fault = False


def no_secret() -> ResourceNotFoundError:
    return ResourceNotFoundError("Secrets Manager can't find the specified secret.")


def marked_for_deletion() -> InvalidRequestError:
    return InvalidRequestError(
        "You can't perform this operation on the secret because it was marked for deletion."
    )
