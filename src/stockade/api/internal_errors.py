"""Each service's own internal error, for failures that are not the caller's: a full, read-only
or locked data dir (`StorageUnavailableError`), or a bug.

The codes are the ones each service's botocore model or AWS API reference names:

    lambda      ServiceException 500                     (modelled)
    iam         ServiceFailure 500 (ServiceFailureException in the model)
    kms         KMSInternalException 500                 (modelled, a fault)
    logs        ServiceUnavailableException 500          (modelled, a fault; 500 per the docs)
    signer      InternalServiceErrorException 500        (modelled)
    sqs, sts,   InternalFailure 500                      (AWS common errors: their models name
    cloudtrail                                            no internal error)

Any other service (one this server refuses, or none) gets InternalFailure. SDKs retry all of
these (500), which suits a fault that clears. Keyed by SigV4 signing name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stockade.errors import ApiError
from stockade.storage_faults import storage_fault

STORAGE_MESSAGE = (
    "The request could not be completed because the server's storage is unavailable;"
    " nothing was changed. Retry the request later."
)
INTERNAL_MESSAGE = "An internal error occurred."


class ServiceInternalError(ApiError):
    http_status = 500
    sender_fault = False
    query_code: ClassVar[str] = ""
    service: ClassVar[str] = ""  # whose model names the code

    def wire_code(self, protocol: str) -> str:
        return self.query_code if protocol == "query" and self.query_code else self.code


class InternalFailure(ServiceInternalError):
    code = "InternalFailure"


class LambdaServiceException(ServiceInternalError):
    code = "ServiceException"
    service = "lambda"


class IamServiceFailure(ServiceInternalError):
    code = "ServiceFailureException"
    query_code = "ServiceFailure"
    service = "iam"


class KmsInternalException(ServiceInternalError):
    code = "KMSInternalException"
    service = "kms"


class LogsServiceUnavailable(ServiceInternalError):
    code = "ServiceUnavailableException"
    service = "logs"


class SignerInternalServiceError(ServiceInternalError):
    code = "InternalServiceErrorException"
    service = "signer"


INTERNAL_ERRORS: Mapping[str, type[ServiceInternalError]] = {
    "lambda": LambdaServiceException,
    "iam": IamServiceFailure,
    "kms": KmsInternalException,
    "logs": LogsServiceUnavailable,
    "signer": SignerInternalServiceError,
    "sqs": InternalFailure,
    "sts": InternalFailure,
    "cloudtrail": InternalFailure,
}


def internal_error(service: str | None, exc: BaseException) -> ServiceInternalError:
    """The error to answer `exc` with, as `service` names its internal error."""
    kind = INTERNAL_ERRORS.get(service or "", InternalFailure)
    return kind(STORAGE_MESSAGE if storage_fault(exc) is not None else INTERNAL_MESSAGE)
