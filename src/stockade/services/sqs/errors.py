"""SQS's API errors, as its model names them; `query_code` is the legacy (query-protocol) code
SQS still sends in `x-amzn-query-error` and in batch result entries.

ApiError
└── SqsError                           400, sender fault
    ├── QueueDoesNotExistError         AWS.SimpleQueueService.NonExistentQueue
    ├── QueueNameExistsError           QueueAlreadyExists
    ├── InvalidAddressError            InvalidAddress (a queue URL that names no queue)
    ├── ReceiptHandleIsInvalidError    ReceiptHandleIsInvalid
    ├── MessageNotInflightError        AWS.SimpleQueueService.MessageNotInflight
    ├── InvalidAttributeNameError      InvalidAttributeName
    ├── InvalidAttributeValueError     InvalidAttributeValue
    ├── InvalidMessageContentsError    InvalidMessageContents
    ├── TooManyEntriesInBatchRequestError, EmptyBatchRequestError,
    │   BatchEntryIdsNotDistinctError, InvalidBatchEntryIdError, BatchRequestTooLongError
    ├── UnsupportedOperationError      AWS.SimpleQueueService.UnsupportedOperation
    ├── InvalidParameterValueError     ValidationException / InvalidParameterValue (common)
    ├── ValidationError                ValidationException / ValidationError (common): the
    │                                  model's constraints, as the kernel checks them
    ├── AccessDeniedError              403 AccessDeniedException / AccessDenied (common)
    └── InternalFailureError           500 InternalFailure / InternalError (receiver fault)
"""

from __future__ import annotations

from typing import ClassVar

from stockade.errors import ApiError


class SqsError(ApiError):
    sender_fault = True  # the caller's, but for the internal failure; each declares its status
    query_code: ClassVar[str] = ""

    def wire_code(self, protocol: str) -> str:
        return self.query_code if protocol == "query" and self.query_code else self.code


class QueueDoesNotExistError(SqsError):
    code = "QueueDoesNotExist"
    query_code = "AWS.SimpleQueueService.NonExistentQueue"
    http_status = 400


class QueueNameExistsError(SqsError):
    code = "QueueNameExists"
    query_code = "QueueAlreadyExists"
    http_status = 400


class InvalidAddressError(SqsError):
    code = "InvalidAddress"
    query_code = "InvalidAddress"
    http_status = 400


class ReceiptHandleIsInvalidError(SqsError):
    code = "ReceiptHandleIsInvalid"
    query_code = "ReceiptHandleIsInvalid"
    http_status = 400


class MessageNotInflightError(SqsError):
    code = "MessageNotInflight"
    query_code = "AWS.SimpleQueueService.MessageNotInflight"
    http_status = 400


class InvalidAttributeNameError(SqsError):
    code = "InvalidAttributeName"
    query_code = "InvalidAttributeName"
    http_status = 400


class InvalidAttributeValueError(SqsError):
    code = "InvalidAttributeValue"
    query_code = "InvalidAttributeValue"
    http_status = 400


class InvalidMessageContentsError(SqsError):
    code = "InvalidMessageContents"
    query_code = "InvalidMessageContents"
    http_status = 400


class TooManyEntriesInBatchRequestError(SqsError):
    code = "TooManyEntriesInBatchRequest"
    query_code = "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    http_status = 400


class EmptyBatchRequestError(SqsError):
    code = "EmptyBatchRequest"
    query_code = "AWS.SimpleQueueService.EmptyBatchRequest"
    http_status = 400


class BatchEntryIdsNotDistinctError(SqsError):
    code = "BatchEntryIdsNotDistinct"
    query_code = "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    http_status = 400


class InvalidBatchEntryIdError(SqsError):
    code = "InvalidBatchEntryId"
    query_code = "AWS.SimpleQueueService.InvalidBatchEntryId"
    http_status = 400


class BatchRequestTooLongError(SqsError):
    code = "BatchRequestTooLong"
    query_code = "AWS.SimpleQueueService.BatchRequestTooLong"
    http_status = 400


class UnsupportedOperationError(SqsError):
    code = "UnsupportedOperation"
    query_code = "AWS.SimpleQueueService.UnsupportedOperation"
    http_status = 400


class InvalidParameterValueError(SqsError):
    # Not modelled by SQS: the common validation error, with SQS's legacy code for botocore.
    code = "ValidationException"
    query_code = "InvalidParameterValue"
    http_status = 400


class AccessDeniedError(SqsError):
    code = "AccessDeniedException"
    query_code = "AccessDenied"
    http_status = 403


class ValidationError(SqsError):
    # SQS's common error for input that fails the model's constraints ("1 validation error
    # detected: ..."); its legacy code is the query protocol's ValidationError.
    code = "ValidationException"
    query_code = "ValidationError"
    http_status = 400


class InternalFailureError(SqsError):
    # Unmodelled: the common InternalFailure (500) as the JSON type, and InternalError, the
    # code SQS has always sent for its own failures, as the legacy code botocore shows.
    code = "InternalFailure"
    query_code = "InternalError"
    http_status = 500
    sender_fault = False
