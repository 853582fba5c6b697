"""Lambda's API errors, as its model names them.

ApiError
├── ResourceNotFoundError          404 ResourceNotFoundException
├── ResourceConflictError          409 ResourceConflictException
├── InvalidParameterValueError     400 InvalidParameterValueException
├── ValidationError                400 ValidationException (the request breaks the model's
│                                      constraints; AWS's common error, checked by the kernel)
├── PreconditionFailedError        412 PreconditionFailedException
├── CodeStorageExceededError       400 CodeStorageExceededException
├── CodeVerificationFailedError    400 CodeVerificationFailedException (untrusted, Enforce)
├── InvalidCodeSignatureError      400 InvalidCodeSignatureException (integrity check failed)
├── CodeSigningConfigNotFoundError 404 CodeSigningConfigNotFoundException
├── AccessDeniedError              403 AccessDeniedException
├── ServiceError                   500 ServiceException
├── PolicyLengthExceededError      400 PolicyLengthExceededException (resource policy > 20 KB)
├── InvalidRequestContentError     400 InvalidRequestContentException (Invoke payload)
├── RequestTooLargeError           413 RequestTooLargeException (Invoke payload)
├── RequestEntityTooLargeError     413 RequestEntityTooLargeException (deployment package)
├── TooManyRequestsError           429 TooManyRequestsException (no capacity)
├── ResourceNotReadyError          502 ResourceNotReadyException (no sandbox to run in)
└── KmsKeyError                    502 KMS*Exception (the environment's key cannot be used)
"""

from __future__ import annotations

from collections.abc import Mapping

from stockade.errors import ApiError


class ResourceNotFoundError(ApiError):
    code = "ResourceNotFoundException"
    http_status = 404
    sender_fault = True


class ResourceConflictError(ApiError):
    code = "ResourceConflictException"
    http_status = 409
    sender_fault = True


class InvalidParameterValueError(ApiError):
    code = "InvalidParameterValueException"
    http_status = 400
    sender_fault = True

    def __init__(self, message: str, *, typed: bool = True) -> None:
        super().__init__(message)
        # A few of AWS's answers carry no `Type` member (recorded): `typed=False` for those.
        self.typed = typed

    def wire_omits(self) -> frozenset[str]:
        return frozenset() if self.typed else frozenset({"Type"})


class ValidationError(ApiError):
    code = "ValidationException"
    http_status = 400
    sender_fault = True


class PreconditionFailedError(ApiError):
    code = "PreconditionFailedException"
    http_status = 412
    sender_fault = True

    def __init__(self, what: str = "GetFunction/GetAlias") -> None:
        super().__init__(
            "The Revision Id provided does not match the latest Revision Id. Call the"
            f" {what} API to retrieve the latest Revision Id"
        )


class CodeStorageExceededError(ApiError):
    code = "CodeStorageExceededException"
    http_status = 400
    sender_fault = True


class CodeVerificationFailedError(ApiError):
    code = "CodeVerificationFailedException"
    http_status = 400
    sender_fault = True


class InvalidCodeSignatureError(ApiError):
    code = "InvalidCodeSignatureException"
    http_status = 400
    sender_fault = True


class CodeSigningConfigNotFoundError(ApiError):
    code = "CodeSigningConfigNotFoundException"
    http_status = 404
    sender_fault = True


class PolicyLengthExceededError(ApiError):
    code = "PolicyLengthExceededException"
    http_status = 400
    sender_fault = True


class AccessDeniedError(ApiError):
    code = "AccessDeniedException"
    http_status = 403
    sender_fault = True


class ServiceError(ApiError):
    code = "ServiceException"
    http_status = 500
    sender_fault = False


class RequestTooLargeError(ApiError):
    code = "RequestTooLargeException"
    http_status = 413
    sender_fault = True


class RequestEntityTooLargeError(ApiError):
    code = "RequestEntityTooLargeException"
    http_status = 413
    sender_fault = True


class TooManyRequestsError(ApiError):
    code = "TooManyRequestsException"
    http_status = 429
    sender_fault = True

    def __init__(self, message: str, reason: str = "ConcurrentInvocationLimitExceeded") -> None:
        super().__init__(message)
        self.reason = reason

    def wire_fields(self) -> Mapping[str, object]:
        return {"Reason": self.reason}


class ResourceNotReadyError(ApiError):
    code = "ResourceNotReadyException"
    http_status = 502
    sender_fault = False


class InvalidRequestContentError(ApiError):
    code = "InvalidRequestContentException"
    http_status = 400
    sender_fault = True


class ProvisionedConcurrencyConfigNotFoundError(ApiError):
    code = "ProvisionedConcurrencyConfigNotFoundException"
    http_status = 404
    sender_fault = True


class KmsKeyError(ApiError):
    """The key that encrypts a function's environment variables cannot be used right now
    (the kinds below: Lambda models each as a 502, a service-side fault)."""


class KmsDisabledError(KmsKeyError):
    code = "KMSDisabledException"
    http_status = 502


class KmsAccessDeniedError(KmsKeyError):
    code = "KMSAccessDeniedException"
    http_status = 502


class KmsNotFoundError(KmsKeyError):
    code = "KMSNotFoundException"
    http_status = 502


class KmsInvalidStateError(KmsKeyError):
    code = "KMSInvalidStateException"
    http_status = 502
