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
    ├── KmsAccessDeniedError           AccessDeniedException (the secret's key refused)
    └── InternalServiceError           500 InternalServiceError
"""

from __future__ import annotations

from stockade.errors import ApiError


class SecretsError(ApiError):
    code = "InternalServiceError"
    http_status = 400
    sender_fault = True


class ResourceNotFoundError(SecretsError):
    code = "ResourceNotFoundException"


class ResourceExistsError(SecretsError):
    code = "ResourceExistsException"


class InvalidRequestError(SecretsError):
    code = "InvalidRequestException"


class InvalidParameterError(SecretsError):
    code = "InvalidParameterException"


class InvalidNextTokenError(SecretsError):
    code = "InvalidNextTokenException"


class LimitExceededError(SecretsError):
    code = "LimitExceededException"


class MalformedPolicyDocumentError(SecretsError):
    code = "MalformedPolicyDocumentException"


class PublicPolicyError(SecretsError):
    code = "PublicPolicyException"


class DecryptionFailureError(SecretsError):
    code = "DecryptionFailure"


class EncryptionFailureError(SecretsError):
    code = "EncryptionFailure"


class ValidationError(SecretsError):
    code = "ValidationException"


class AccessDeniedError(SecretsError):
    code = "AccessDeniedException"
    http_status = 403


class KmsAccessDeniedError(SecretsError):
    """The caller may use the secret but not its key ("Access to KMS is not allowed", answered
    with status 400 by Secrets Manager)."""

    code = "AccessDeniedException"


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
