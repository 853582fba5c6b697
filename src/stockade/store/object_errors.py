"""The object engine's errors, named after the S3 error codes the S3 layer maps them to
(codes from the S3 API reference's error list and botocore's s3 model).

ObjectEngineError
├── NoSuchBucket, NoSuchKey, NoSuchVersion, NoSuchUpload
├── BucketAlreadyOwnedByYou, BucketAlreadyExists, BucketNotEmpty
├── InvalidRange                 the range does not overlap the object (416)
├── BadDigest                    a caller-given checksum or Content-MD5 does not match; nothing
│                                was stored
├── EntityTooLarge, EntityTooSmall, KeyTooLongError, MetadataTooLarge
├── InvalidArgument              e.g. a part number outside 1..10,000
├── InvalidPart, InvalidPartOrder
├── MethodNotAllowed             a delete marker asked for by version id (S3: 405)
└── ObjectCorrupted              what is on disk fails authentication or its checksum; no
                                 unverified byte is ever returned (S3 layer: InternalError)
"""

from __future__ import annotations

from stockade.errors import StockadeError


class ObjectEngineError(StockadeError):
    """Root of the object engine's errors; `code` is the S3 error code."""

    code = "InternalError"


class NoSuchBucket(ObjectEngineError):
    code = "NoSuchBucket"


class NoSuchKey(ObjectEngineError):
    """`delete_marker` is the id of the delete marker that hides the key, if one does (S3
    answers such a GET with x-amz-delete-marker: true and that version id)."""

    code = "NoSuchKey"

    def __init__(self, message: str, delete_marker: str = "") -> None:
        super().__init__(message)
        self.delete_marker = delete_marker


class NoSuchVersion(ObjectEngineError):
    code = "NoSuchVersion"


class NoSuchUpload(ObjectEngineError):
    code = "NoSuchUpload"


class BucketAlreadyOwnedByYou(ObjectEngineError):
    code = "BucketAlreadyOwnedByYou"


class BucketAlreadyExists(ObjectEngineError):
    code = "BucketAlreadyExists"


class BucketNotEmpty(ObjectEngineError):
    code = "BucketNotEmpty"


class InvalidRange(ObjectEngineError):
    code = "InvalidRange"


class BadDigest(ObjectEngineError):
    code = "BadDigest"


class EntityTooLarge(ObjectEngineError):
    code = "EntityTooLarge"


class EntityTooSmall(ObjectEngineError):
    code = "EntityTooSmall"


class KeyTooLongError(ObjectEngineError):
    code = "KeyTooLongError"


class MetadataTooLarge(ObjectEngineError):
    code = "MetadataTooLarge"


class InvalidArgument(ObjectEngineError):
    code = "InvalidArgument"


class InvalidPart(ObjectEngineError):
    code = "InvalidPart"


class InvalidPartOrder(ObjectEngineError):
    code = "InvalidPartOrder"


class MethodNotAllowed(ObjectEngineError):
    code = "MethodNotAllowed"


class ObjectCorrupted(ObjectEngineError):
    code = "InternalError"
