"""KMS's API errors, as botocore's `kms` model names them (HTTP 400 for the caller's faults, as
KMS answers; 500 for its own).

ApiError
└── KmsError
    ├── NotFoundError                  NotFoundException
    ├── AlreadyExistsError             AlreadyExistsException
    ├── DisabledError                  DisabledException
    ├── InvalidStateError              KMSInvalidStateException
    ├── InvalidCiphertextError         InvalidCiphertextException
    ├── IncorrectKeyError              IncorrectKeyException
    ├── InvalidKeyUsageError           InvalidKeyUsageException
    ├── InvalidAliasNameError          InvalidAliasNameException
    ├── InvalidArnError                InvalidArnException
    ├── InvalidMarkerError             InvalidMarkerException
    ├── MalformedPolicyDocumentError   MalformedPolicyDocumentException
    ├── UnsupportedOperationError      UnsupportedOperationException
    ├── TagError                       TagException (a tag KMS does not accept)
    ├── LimitExceededError             LimitExceededException (a quota: 50 tags per key)
    ├── ValidationError                ValidationException (common error)
    ├── AccessDeniedError              AccessDeniedException (common error, 403)
    └── KmsInternalError               KMSInternalException (a fault: 500)
"""

from __future__ import annotations

from stockade.errors import ApiError


class KmsError(ApiError):
    sender_fault = True


class NotFoundError(KmsError):
    code = "NotFoundException"
    http_status = 400


class AlreadyExistsError(KmsError):
    code = "AlreadyExistsException"
    http_status = 400


class DisabledError(KmsError):
    code = "DisabledException"
    http_status = 400


class InvalidStateError(KmsError):
    code = "KMSInvalidStateException"
    http_status = 400


class InvalidCiphertextError(KmsError):
    code = "InvalidCiphertextException"
    http_status = 400


class IncorrectKeyError(KmsError):
    code = "IncorrectKeyException"
    http_status = 400


class InvalidKeyUsageError(KmsError):
    code = "InvalidKeyUsageException"
    http_status = 400


class InvalidAliasNameError(KmsError):
    code = "InvalidAliasNameException"
    http_status = 400


class InvalidArnError(KmsError):
    code = "InvalidArnException"
    http_status = 400


class InvalidMarkerError(KmsError):
    code = "InvalidMarkerException"
    http_status = 400


class MalformedPolicyDocumentError(KmsError):
    code = "MalformedPolicyDocumentException"
    http_status = 400


class UnsupportedOperationError(KmsError):
    code = "UnsupportedOperationException"
    http_status = 400


class TagError(KmsError):
    code = "TagException"
    http_status = 400


class LimitExceededError(KmsError):
    code = "LimitExceededException"
    http_status = 400


class ValidationError(KmsError):
    code = "ValidationException"
    http_status = 400


class AccessDeniedError(KmsError):
    code = "AccessDeniedException"
    http_status = 403


class KmsInternalError(KmsError):
    code = "KMSInternalException"
    http_status = 500
    sender_fault = False
