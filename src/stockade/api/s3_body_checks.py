"""What a body promised in its headers, checked as its bytes pass: the signed hex
`x-amz-content-sha256`, one `x-amz-checksum-*` and `Content-MD5` (S3 User Guide, "Checking
object integrity"). Parsed strictly up front, compared at the end of the body.

Hand `BodyChecks` to whatever consumes the body: `update` with every decoded byte, `finish`
once at the end (raises S3's error on the first promise not kept). For an `aws-chunked` body
these check the decoded payload; its trailer is the chunked decoder's own business.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum

from stockade.api import checksums
from stockade.api.checksums import CHECKSUM_HEADERS
from stockade.api.s3_sigv4 import PayloadPlan
from stockade.services.s3.errors import (
    BadDigestError,
    ContentSha256MismatchError,
    InvalidDigestError,
    InvalidRequestError,
    S3NotImplementedError,
)
from stockade.store.object_checksums import Hasher, b64, new_hasher
from stockade.store.object_ports import ChecksumAlgorithm

_UNSUPPORTED = ("x-amz-checksum-crc64nvme",)  # a valid S3 algorithm this server cannot compute


class Source(Enum):
    """The header a promise came from."""

    CONTENT_SHA256 = "x-amz-content-sha256"  # the signed hex SHA-256
    CONTENT_MD5 = "content-md5"
    CHECKSUM = "x-amz-checksum-*"  # one of S3's ChecksumAlgorithm


@dataclass(frozen=True)
class Promise:
    source: Source
    expected: bytes = field(repr=False)
    algorithm: ChecksumAlgorithm | None = None  # the x-amz-checksum-* promise's

    def hasher(self) -> Hasher:
        if self.algorithm is not None:
            return new_hasher(self.algorithm)
        if self.source is Source.CONTENT_MD5:
            return hashlib.md5(usedforsecurity=False)  # Content-MD5 is MD5 by definition
        return hashlib.sha256()


@dataclass
class BodyChecks:
    """The promises of one request, with a running digest for each."""

    promises: tuple[Promise, ...]
    _hashers: list[Hasher] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._hashers = [p.hasher() for p in self.promises]

    @property
    def checksum(self) -> tuple[ChecksumAlgorithm, str] | None:
        """The x-amz-checksum-* the client sent (verified once `finish` returned)."""
        return next(
            ((p.algorithm, b64(p.expected)) for p in self.promises if p.algorithm is not None),
            None,
        )

    def update(self, data: bytes) -> None:
        for hasher in self._hashers:
            hasher.update(data)

    def finish(self) -> None:
        for promise, hasher in zip(self.promises, self._hashers, strict=True):
            actual = hasher.digest()
            if hmac.compare_digest(actual, promise.expected):
                continue
            if promise.source is Source.CONTENT_SHA256:
                raise ContentSha256MismatchError(
                    ClientComputedContentSHA256=promise.expected.hex(),
                    S3ComputedContentSHA256=actual.hex(),
                )
            if promise.algorithm is None:
                raise BadDigestError(
                    "The Content-MD5 you specified did not match what we received."
                )
            raise BadDigestError(
                f"The {promise.algorithm.value} you specified did not match the calculated"
                " checksum."
            )


def body_checks(headers: Mapping[str, str], plan: PayloadPlan | None) -> BodyChecks:
    """The checks a request's headers (lower-case names) and payload plan call for; raises
    S3's error for a header that cannot be honoured."""
    promises: list[Promise] = []
    if plan is not None and plan.content_sha256 is not None:
        promises.append(Promise(Source.CONTENT_SHA256, bytes.fromhex(plan.content_sha256)))
    md5 = headers.get(checksums.CONTENT_MD5)
    if md5 is not None:
        digest = checksums.decode_md5(md5.strip())
        if digest is None:
            raise InvalidDigestError("The Content-MD5 you specified was invalid.")
        promises.append(Promise(Source.CONTENT_MD5, digest))
    promises.extend(_checksum_promise(headers, plan))
    return BodyChecks(tuple(promises))


def _checksum_promise(headers: Mapping[str, str], plan: PayloadPlan | None) -> list[Promise]:
    named = sorted(
        n for n in headers if n.startswith("x-amz-checksum-") and n != "x-amz-checksum-type"
    )
    if len(named) > 1:
        raise InvalidRequestError(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    sdk = headers.get("x-amz-sdk-checksum-algorithm")
    trailer = plan.trailer if plan is not None else None
    if not named:
        if sdk is not None and trailer is None:
            raise InvalidRequestError(
                "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-*"
                " or x-amz-trailer headers were found."
            )
        return []
    name = named[0]
    if name in _UNSUPPORTED:
        raise S3NotImplementedError(Header=name)
    algorithm = CHECKSUM_HEADERS.get(name)
    if algorithm is None:
        raise InvalidRequestError(
            "Checksum algorithm provided is unsupported. Please try again with any of the"
            " valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
        )
    if trailer is not None:
        raise InvalidRequestError(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    if sdk is not None and sdk.upper() != algorithm.value:
        raise InvalidRequestError(
            f"Checksum Type mismatch occurred, expected checksum Type: {sdk.lower()[:16]},"
            f" actual checksum Type: {algorithm.value.lower()}"
        )
    digest = checksums.decode_checksum(algorithm, headers[name].strip())
    if digest is None:
        raise InvalidRequestError(f"Value for {name} header is invalid.")
    return [Promise(Source.CHECKSUM, digest, algorithm)]


def checked(reads: Iterable[bytes], checks: BodyChecks) -> Iterator[bytes]:
    """Pass a body through its checks; raises at the end unless every promise was kept."""
    for read in reads:
        checks.update(read)
        yield read
    checks.finish()


async def checked_async(reads: AsyncIterable[bytes], checks: BodyChecks) -> AsyncIterator[bytes]:
    async for read in reads:
        checks.update(read)
        yield read
    checks.finish()
