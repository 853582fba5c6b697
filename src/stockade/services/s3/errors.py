"""S3's API errors: codes, statuses and messages as S3 answers them.

Sources: the S3 API reference's "ErrorResponses" list (codes and statuses), botocore's `s3`
model (the codes it models, e.g. NoSuchKey 404), and AWS-recorded answers (messages and the
extra members each error carries, e.g. NoSuchBucket's BucketName, PreconditionFailed's
Condition). Every error is raised with the extra members S3 sends for it, as keyword fields:
`NoSuchKeyError(Key="a/b")`; they are written into the XML error body in that order. The
service and the edge (SigV4, aws-chunked bodies, checksum headers) raise from this one tree.

ApiError
└── S3Error
    ├── AccessDeniedError                     AccessDenied 403 (an expired presigned URL's
    │                                         X-Amz-Expires, Expires, ServerTime)
    ├── SignatureDoesNotMatchError            SignatureDoesNotMatch 403
    ├── InvalidAccessKeyIdError               InvalidAccessKeyId 403 (AWSAccessKeyId)
    ├── RequestTimeTooSkewedError             RequestTimeTooSkewed 403 (RequestTime, ServerTime,
    │                                         MaxAllowedSkewMilliseconds)
    ├── InvalidChunkSizeError                 InvalidChunkSizeError 403 (Chunk, BadChunkSize)
    ├── InvalidObjectStateError               InvalidObjectState 403
    ├── NoSuchBucketError                     NoSuchBucket 404 (BucketName)
    ├── NoSuchKeyError                        NoSuchKey 404 (Key)
    ├── NoSuchVersionError                    NoSuchVersion 404 (Key, VersionId)
    ├── NoSuchUploadError                     NoSuchUpload 404 (UploadId)
    ├── NoSuchBucketPolicyError               NoSuchBucketPolicy 404 (BucketName)
    ├── NoSuchTagSetError                     NoSuchTagSet 404 (BucketName)
    ├── NoSuchLifecycleConfigurationError     NoSuchLifecycleConfiguration 404 (BucketName)
    ├── NoSuchPublicAccessBlockConfigurationError                       404 (BucketName)
    ├── EncryptionConfigurationNotFoundError  ServerSideEncryptionConfigurationNotFoundError 404
    ├── MethodNotAllowedError                 MethodNotAllowed 405 (Method, ResourceType)
    ├── BucketAlreadyExistsError              BucketAlreadyExists 409 (BucketName)
    ├── BucketAlreadyOwnedByYouError          BucketAlreadyOwnedByYou 409 (BucketName)
    ├── BucketNotEmptyError                   BucketNotEmpty 409 (BucketName)
    ├── OperationAbortedError                 OperationAborted 409
    ├── ConditionalRequestConflictError       ConditionalRequestConflict 409
    ├── MissingContentLengthError             MissingContentLength 411
    ├── PreconditionFailedError               PreconditionFailed 412 (Condition)
    ├── NotModifiedError                      304, never a body (conditional GET/HEAD)
    ├── InvalidRangeError                     InvalidRange 416 (RangeRequested, ActualObjectSize)
    ├── InvalidPartNumberError                InvalidPartNumber 416
    ├── (400s) MalformedXML, InvalidArgument, InvalidBucketName, InvalidRequest, InvalidURI,
    │   EntityTooLarge, EntityTooSmall, InvalidPart, InvalidPartOrder, TooManyParts, BadDigest,
    │   InvalidDigest, KeyTooLongError, InvalidTag, MalformedPolicy, InvalidStorageClass,
    │   InvalidLocationConstraint, IllegalLocationConstraintException, MissingSecurityHeader,
    │   IncompleteBody, AuthorizationHeaderMalformed, XAmzContentSHA256Mismatch,
    │   UnexpectedContent, InvalidEncryptionAlgorithmError, ExpiredToken, InvalidToken,
    │   AuthorizationQueryParametersError, MalformedTrailerError
    ├── S3NotImplementedError                 NotImplemented 501 (Header)
    └── S3InternalError                       InternalError 500
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stockade.errors import ApiError


class S3Error(ApiError):
    """An S3 error: `default_message` unless told otherwise, plus S3's extra members, and any
    response headers it carries (a 304's ETag and Last-Modified, as S3 sends them)."""

    sender_fault = True
    default_message: ClassVar[str] = ""

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        members: Mapping[str, object] | None = None,
        **fields: object,
    ) -> None:
        super().__init__(self.default_message if message is None else message)
        # `members`: extra members whose names no keyword can spell (X-Amz-Expires), first.
        named = {**(members or {}), **fields}
        self._fields = {k: v for k, v in named.items() if v is not None}
        self._headers = dict(headers or {})

    def wire_fields(self) -> Mapping[str, object]:
        return dict(self._fields)

    def wire_headers(self) -> Mapping[str, str]:
        return dict(self._headers)


class AccessDeniedError(S3Error):
    code = "AccessDenied"
    http_status = 403
    default_message = "Access Denied"


class SignatureDoesNotMatchError(S3Error):
    code = "SignatureDoesNotMatch"
    http_status = 403
    default_message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )


class InvalidAccessKeyIdError(S3Error):
    code = "InvalidAccessKeyId"
    http_status = 403
    default_message = "The AWS Access Key Id you provided does not exist in our records."


class RequestTimeTooSkewedError(S3Error):
    code = "RequestTimeTooSkewed"
    http_status = 403
    default_message = "The difference between the request time and the current time is too large."


class InvalidChunkSizeError(S3Error):
    """An aws-chunked body whose chunk other than the last is under 8 KiB."""

    code = "InvalidChunkSizeError"
    http_status = 403
    default_message = "Only the last chunk is allowed to have a size less than 8192 bytes"


class InvalidObjectStateError(S3Error):
    code = "InvalidObjectState"
    http_status = 403
    default_message = "The operation is not valid for the object's storage class"


class NoSuchBucketError(S3Error):
    code = "NoSuchBucket"
    http_status = 404
    default_message = "The specified bucket does not exist"


class NoSuchKeyError(S3Error):
    code = "NoSuchKey"
    http_status = 404
    default_message = "The specified key does not exist."


class NoSuchVersionError(S3Error):
    code = "NoSuchVersion"
    http_status = 404
    default_message = "The specified version does not exist."


class NoSuchUploadError(S3Error):
    code = "NoSuchUpload"
    http_status = 404
    default_message = (
        "The specified upload does not exist. The upload ID may be invalid, or the upload may "
        "have been aborted or completed."
    )


class NoSuchBucketPolicyError(S3Error):
    code = "NoSuchBucketPolicy"
    http_status = 404
    default_message = "The bucket policy does not exist"


class NoSuchTagSetError(S3Error):
    code = "NoSuchTagSet"
    http_status = 404
    default_message = "The TagSet does not exist"


class NoSuchLifecycleConfigurationError(S3Error):
    code = "NoSuchLifecycleConfiguration"
    http_status = 404
    default_message = "The lifecycle configuration does not exist"


class NoSuchPublicAccessBlockConfigurationError(S3Error):
    code = "NoSuchPublicAccessBlockConfiguration"
    http_status = 404
    default_message = "The public access block configuration was not found"


class EncryptionConfigurationNotFoundError(S3Error):
    code = "ServerSideEncryptionConfigurationNotFoundError"
    http_status = 404
    default_message = "The server side encryption configuration was not found"


class MethodNotAllowedError(S3Error):
    code = "MethodNotAllowed"
    http_status = 405
    default_message = "The specified method is not allowed against this resource."


class BucketAlreadyExistsError(S3Error):
    code = "BucketAlreadyExists"
    http_status = 409
    default_message = (
        "The requested bucket name is not available. The bucket namespace is shared by all "
        "users of the system. Please select a different name and try again."
    )


class BucketAlreadyOwnedByYouError(S3Error):
    code = "BucketAlreadyOwnedByYou"
    http_status = 409
    default_message = (
        "Your previous request to create the named bucket succeeded and you already own it."
    )


class BucketNotEmptyError(S3Error):
    code = "BucketNotEmpty"
    http_status = 409
    default_message = "The bucket you tried to delete is not empty"


class OperationAbortedError(S3Error):
    code = "OperationAborted"
    http_status = 409
    default_message = (
        "A conflicting conditional operation is currently in progress against this resource. "
        "Please try again."
    )


class ConditionalRequestConflictError(S3Error):
    code = "ConditionalRequestConflict"
    http_status = 409
    default_message = (
        "The conditional request cannot succeed due to a conflicting operation against this "
        "resource."
    )


class MissingContentLengthError(S3Error):
    code = "MissingContentLength"
    http_status = 411
    default_message = "You must provide the Content-Length HTTP header."


class PreconditionFailedError(S3Error):
    code = "PreconditionFailed"
    http_status = 412
    default_message = "At least one of the pre-conditions you specified did not hold"


class NotModifiedError(S3Error):
    """A conditional GET or HEAD whose object has not changed: 304, headers only."""

    code = "NotModified"
    http_status = 304
    default_message = "Not Modified"


class InvalidRangeError(S3Error):
    code = "InvalidRange"
    http_status = 416
    default_message = "The requested range is not satisfiable"


class InvalidPartNumberError(S3Error):
    code = "InvalidPartNumber"
    http_status = 416
    default_message = "The requested partnumber is not satisfiable"


class MalformedXMLError(S3Error):
    code = "MalformedXML"
    http_status = 400
    default_message = (
        "The XML you provided was not well-formed or did not validate against our published schema"
    )


class InvalidArgumentError(S3Error):
    code = "InvalidArgument"
    http_status = 400
    default_message = "Invalid Argument"


class InvalidBucketNameError(S3Error):
    code = "InvalidBucketName"
    http_status = 400
    default_message = "The specified bucket is not valid."


class InvalidRequestError(S3Error):
    code = "InvalidRequest"
    http_status = 400
    default_message = "Invalid Request"


class InvalidUriError(S3Error):
    code = "InvalidURI"
    http_status = 400
    default_message = "Couldn't parse the specified URI."


class EntityTooLargeError(S3Error):
    code = "EntityTooLarge"
    http_status = 400
    default_message = "Your proposed upload exceeds the maximum allowed size"


class EntityTooSmallError(S3Error):
    code = "EntityTooSmall"
    http_status = 400
    default_message = "Your proposed upload is smaller than the minimum allowed size"


class InvalidPartError(S3Error):
    code = "InvalidPart"
    http_status = 400
    default_message = (
        "One or more of the specified parts could not be found.  The part may not have been "
        "uploaded, or the specified entity tag may not match the part's entity tag."
    )


class InvalidPartOrderError(S3Error):
    code = "InvalidPartOrder"
    http_status = 400
    default_message = (
        "The list of parts was not in ascending order. Parts must be ordered by part number."
    )


class TooManyPartsError(S3Error):
    code = "TooManyParts"
    http_status = 400
    # The s3 model's documentation of TooManyParts.
    default_message = (
        "You have attempted to add more parts than the maximum of 10000 that are allowed for "
        "this object."
    )


class BadDigestError(S3Error):
    code = "BadDigest"
    http_status = 400
    default_message = "The Content-MD5 you specified did not match what we received."


class InvalidDigestError(S3Error):
    code = "InvalidDigest"
    http_status = 400
    default_message = "The Content-MD5 you specified was invalid."


class KeyTooLongError(S3Error):
    code = "KeyTooLongError"
    http_status = 400
    default_message = "Your key is too long"


class InvalidTagError(S3Error):
    code = "InvalidTag"
    http_status = 400
    default_message = "The TagValue you have provided is invalid"


class MalformedPolicyError(S3Error):
    code = "MalformedPolicy"
    http_status = 400
    default_message = "Policies must be valid JSON and the first byte must be '{'"


class InvalidStorageClassError(S3Error):
    code = "InvalidStorageClass"
    http_status = 400
    default_message = "The storage class you specified is not valid"


class InvalidLocationConstraintError(S3Error):
    code = "InvalidLocationConstraint"
    http_status = 400
    default_message = "The specified location-constraint is not valid"


class IllegalLocationConstraintError(S3Error):
    code = "IllegalLocationConstraintException"
    http_status = 400
    default_message = (
        "The unspecified location constraint is incompatible for the region specific endpoint "
        "this request was sent to."
    )


class MissingSecurityHeaderError(S3Error):
    code = "MissingSecurityHeader"
    http_status = 400
    default_message = "Your request was missing a required header"


class IncompleteBodyError(S3Error):
    code = "IncompleteBody"
    http_status = 400
    default_message = (
        "You did not provide the number of bytes specified by the Content-Length HTTP header"
    )


class AuthorizationHeaderMalformedError(S3Error):
    code = "AuthorizationHeaderMalformed"
    http_status = 400
    default_message = "The authorization header is malformed"


class ContentSha256MismatchError(S3Error):
    code = "XAmzContentSHA256Mismatch"
    http_status = 400
    default_message = "The provided 'x-amz-content-sha256' header does not match what was computed."


class UnexpectedContentError(S3Error):
    code = "UnexpectedContent"
    http_status = 400
    default_message = "This request does not support content"


class InvalidEncryptionAlgorithmError(S3Error):
    code = "InvalidEncryptionAlgorithmError"
    http_status = 400
    default_message = "The Encryption request you specified is not valid. Supported value: AES256."


class ExpiredTokenError(S3Error):
    code = "ExpiredToken"
    http_status = 400
    default_message = "The provided token has expired."


class InvalidTokenError(S3Error):
    code = "InvalidToken"
    http_status = 400
    default_message = "The provided token is malformed or otherwise invalid."


class AuthorizationQueryParametersError(S3Error):
    """A presigned URL's X-Amz-* parameters are missing or malformed."""

    code = "AuthorizationQueryParametersError"
    http_status = 400
    default_message = (
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential,"
        " X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
    )


class MalformedTrailerError(S3Error):
    code = "MalformedTrailerError"
    http_status = 400
    default_message = (
        "The request contained trailing data that was not well-formed or did not conform"
        " to our published schema."
    )


class S3NotImplementedError(S3Error):
    code = "NotImplemented"
    http_status = 501
    sender_fault = False
    default_message = "A header you provided implies functionality that is not implemented"


class S3InternalError(S3Error):
    code = "InternalError"
    http_status = 500
    sender_fault = False
    default_message = "We encountered an internal error. Please try again."
