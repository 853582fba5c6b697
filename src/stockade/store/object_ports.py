"""The object storage engine S3 objects live in: a port whose contract carries S3's semantics.

- **Buckets** are records (name, owner account, region, created, versioning state).
- **Bodies stream both ways** with bounded memory: `put_object`/`upload_part` consume a
  synchronous iterator of byte chunks and `get_object` returns one. Synchronous because every
  step of a put (hashing, sealing, writing, fsync) is blocking work that belongs on a worker
  thread anyway; the HTTP edge runs the engine call there and feeds it from the socket through a
  bounded hand-off, which keeps one code path and no event loop inside the store.
- **Encryption at rest of every object**: a fresh data key per body (a single put's body or a
  part's), the body sealed in fixed-size segments (`SegmentCipher`), the data key wrapped by the
  platform key (SSE-S3, `ObjectDataKeys`) or a caller's key service (SSE-KMS, `KmsDataKeys`).
- **Atomic writes**: a body is complete and durable on disk before any metadata names it; a
  crash leaves the previous state or the new one, and unreferenced files are swept at open.
- **Integrity**: checksums are computed while streaming and checked against the caller's
  (`BadDigest`, nothing stored); reads authenticate every segment before yielding it
  (`ObjectCorrupted`, never wrong bytes).
- **Versioning** as S3's: version ids, delete markers, the "null" version of unversioned and
  suspended buckets. **Listing** in UTF-8 binary key order, paged, with prefix/delimiter.
- Limits as AWS's (`object_limits`), enforced with the S3-named errors of `object_errors`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class Versioning(enum.Enum):
    UNVERSIONED = ""
    ENABLED = "Enabled"
    SUSPENDED = "Suspended"


class Sse(enum.Enum):
    """x-amz-server-side-encryption values."""

    S3 = "AES256"
    KMS = "aws:kms"


class ChecksumAlgorithm(enum.Enum):
    CRC32 = "CRC32"
    CRC32C = "CRC32C"
    SHA1 = "SHA1"
    SHA256 = "SHA256"


NULL_VERSION = "null"


@dataclass(frozen=True)
class BucketInfo:
    name: str
    owner_account: str
    region: str
    created_ms: int
    versioning: Versioning = Versioning.UNVERSIONED


@dataclass(frozen=True)
class Encryption:
    sse: Sse = Sse.S3
    kms_key_id: str = ""  # SSE-KMS: the key's ARN as the key service resolved it


@dataclass(frozen=True)
class Checksums:
    """S3 checksum values: base64 of the big-endian digest ("" = absent). Multipart objects'
    values are S3's composite ones (checksum of the parts' checksums, "-N" appended)."""

    crc32: str = ""
    crc32c: str = ""
    sha1: str = ""
    sha256: str = ""

    def get(self, algorithm: ChecksumAlgorithm) -> str:
        value: str = getattr(self, algorithm.name.lower())
        return value


@dataclass(frozen=True)
class ObjectHeaders:
    content_type: str = "binary/octet-stream"  # S3's default when none is given
    content_encoding: str = ""
    content_disposition: str = ""
    content_language: str = ""
    cache_control: str = ""
    expires: str = ""
    user_metadata: tuple[tuple[str, str], ...] = ()  # x-amz-meta-*, names lower-cased


@dataclass(frozen=True)
class PutOptions:
    headers: ObjectHeaders = ObjectHeaders()
    tags: tuple[tuple[str, str], ...] = ()
    encryption: Encryption = Encryption()
    # The algorithm the caller asked S3 to store (x-amz-checksum-algorithm / -sdk-...).
    checksum_algorithm: ChecksumAlgorithm | None = None
    expected: Checksums = Checksums()  # x-amz-checksum-* the caller sent: verified
    expected_md5: str = ""  # Content-MD5 (base64): verified


@dataclass(frozen=True)
class ObjectVersion:
    bucket: str
    key: str
    version_id: str
    is_latest: bool
    delete_marker: bool
    size: int
    etag: str  # quoted, as S3 returns it
    stored_ms: int
    checksums: Checksums = Checksums()
    headers: ObjectHeaders = ObjectHeaders()
    tags: tuple[tuple[str, str], ...] = ()
    encryption: Encryption = Encryption()
    parts_count: int = 0  # 0 for a single put


@dataclass(frozen=True)
class ByteRange:
    """A Range header's one byte range: `first`-`last` (last None: to the end) or, with
    `suffix`, the last `suffix` bytes."""

    first: int = 0
    last: int | None = None
    suffix: int | None = None


@dataclass(frozen=True)
class ObjectRead:
    version: ObjectVersion
    start: int  # first byte returned
    end: int  # one past the last byte returned
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class DeleteResult:
    version_id: str  # the version removed, or the delete marker created ("" if unversioned)
    delete_marker: bool


@dataclass(frozen=True)
class ListPage:
    contents: tuple[ObjectVersion, ...]
    common_prefixes: tuple[str, ...]
    is_truncated: bool
    next_token: str = ""  # opaque continuation token


@dataclass(frozen=True)
class VersionsPage:
    versions: tuple[ObjectVersion, ...]  # versions and delete markers, key order, newest first
    common_prefixes: tuple[str, ...]
    is_truncated: bool
    next_key_marker: str = ""
    next_version_id_marker: str = ""


@dataclass(frozen=True)
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated_ms: int
    options: PutOptions = field(default_factory=PutOptions)


@dataclass(frozen=True)
class PartInfo:
    part_number: int
    size: int
    etag: str
    stored_ms: int
    checksums: Checksums = Checksums()


@dataclass(frozen=True)
class CompletedPart:
    part_number: int
    etag: str
    checksums: Checksums = Checksums()  # those the caller lists are checked


class BodySegments(Protocol):
    def seal(self, index: int, final: bool, plaintext: bytes) -> bytes: ...

    def open(self, index: int, final: bool, sealed: bytes) -> bytes | None:
        """None when the segment fails authentication."""
        ...


class SegmentCipher(Protocol):
    """Seals a body segment by segment (`stockade.crypto.segments.AesGcmSegments`)."""

    segment_bytes: int
    overhead_bytes: int

    def for_body(self, data_key: bytes, body_id: str) -> BodySegments: ...


class ObjectDataKeys(Protocol):
    """SSE-S3: data keys under the platform's at-rest key (`crypto.DataKeySource`'s shape)."""

    def generate_data_key(self, context: Mapping[str, str]) -> tuple[bytes, bytes]: ...

    def decrypt_data_key(self, wrapped: bytes, context: Mapping[str, str]) -> bytes: ...


class KmsDataKeys(Protocol):
    """SSE-KMS: data keys under a caller-named key of the key service. Its errors (unknown or
    disabled key, access denied) propagate unchanged for the S3 layer to map."""

    def generate_data_key(
        self, key_id: str, context: Mapping[str, str]
    ) -> tuple[bytes, bytes, str]:
        """(plaintext, wrapped, the key's ARN)."""
        ...

    def decrypt_data_key(
        self, key_id: str, wrapped: bytes, context: Mapping[str, str]
    ) -> bytes: ...


class ObjectEngine(Protocol):
    # -- buckets
    def create_bucket(self, name: str, owner_account: str, region: str) -> BucketInfo: ...
    def get_bucket(self, name: str) -> BucketInfo: ...
    def list_buckets(self, owner_account: str) -> list[BucketInfo]: ...
    def delete_bucket(self, name: str) -> None: ...
    def set_versioning(self, name: str, state: Versioning) -> BucketInfo: ...

    # -- objects
    def put_object(
        self, bucket: str, key: str, chunks: Iterator[bytes], options: PutOptions
    ) -> ObjectVersion: ...
    def head_object(self, bucket: str, key: str, version_id: str = "") -> ObjectVersion: ...
    def get_object(
        self, bucket: str, key: str, version_id: str = "", byte_range: ByteRange | None = None
    ) -> ObjectRead: ...
    def delete_object(self, bucket: str, key: str, version_id: str = "") -> DeleteResult: ...
    def set_tags(
        self, bucket: str, key: str, tags: Sequence[tuple[str, str]], version_id: str = ""
    ) -> ObjectVersion: ...
    def list_objects(
        self,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        start_after: str = "",
        continuation: str = "",
        max_keys: int = 1000,
    ) -> ListPage: ...
    def list_versions(
        self,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        version_id_marker: str = "",
        max_keys: int = 1000,
    ) -> VersionsPage: ...

    # -- multipart
    def create_upload(self, bucket: str, key: str, options: PutOptions) -> Upload: ...
    def upload_part(
        self,
        upload_id: str,
        part_number: int,
        chunks: Iterator[bytes],
        expected: Checksums = ...,
        expected_md5: str = "",
    ) -> PartInfo: ...
    def list_parts(self, upload_id: str) -> list[PartInfo]: ...
    def list_uploads(self, bucket: str) -> list[Upload]: ...
    def complete_upload(self, upload_id: str, parts: Sequence[CompletedPart]) -> ObjectVersion: ...
    def abort_upload(self, upload_id: str) -> None: ...

    def close(self) -> None: ...
