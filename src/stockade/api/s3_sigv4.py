"""SigV4 as S3 speaks it: its path rule, its clock rules, and what `x-amz-content-sha256` binds.

S3 signs the path as sent (no second encoding, no normalization), allows 15 minutes of clock
skew, and lets the client choose how the body is bound to the signature: a hex SHA-256 (checked
as the body streams, at its end), `UNSIGNED-PAYLOAD`, or one of the `aws-chunked` streaming forms
whose chunks carry their own signatures (S3 API Reference, "Authenticating Requests (AWS
Signature Version 4)"). Verifying the request's signature yields a `PayloadPlan`: what the body
still has to prove as it arrives. Nothing here reads the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from stockade.api import sigv4
from stockade.api.checksums import CHECKSUM_HEADERS
from stockade.api.errors import (
    AuthenticationError,
    InvalidSignatureError,
    MissingAuthenticationTokenError,
)
from stockade.api.http import HttpRequest
from stockade.services.s3.errors import (
    AccessDeniedError,
    AuthorizationHeaderMalformedError,
    AuthorizationQueryParametersError,
    InvalidArgumentError,
    InvalidRequestError,
    MissingContentLengthError,
    RequestTimeTooSkewedError,
    S3NotImplementedError,
    SignatureDoesNotMatchError,
)
from stockade.store.object_ports import ChecksumAlgorithm

SERVICE = "s3"
MAX_SKEW = timedelta(minutes=15)  # S3's, not the 5 minutes of other services
MAX_EXPIRES_S = 604800
SIGV4A = "AWS4-ECDSA-P256-SHA256"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_DIGITS = re.compile(r"[0-9]{1,19}")
_ISO = "%Y-%m-%dT%H:%M:%SZ"


class PayloadKind(Enum):
    """The values of `x-amz-content-sha256` S3 accepts for an HMAC signature."""

    SHA256 = "sha256"  # a hex digest of the whole body
    UNSIGNED = "UNSIGNED-PAYLOAD"
    STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

    @property
    def chunked(self) -> bool:
        return self.value.startswith("STREAMING-")

    @property
    def signed_chunks(self) -> bool:
        return self in (PayloadKind.STREAMING_SIGNED, PayloadKind.STREAMING_SIGNED_TRAILER)

    @property
    def trailer(self) -> bool:
        return self.value.endswith("-TRAILER")


# SigV4a's streaming forms: S3 knows them, this server verifies HMAC signatures only.
_ECDSA = (
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
)
_CONTENT_SHA256_VALUES = (
    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER,"
    " STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER,"
    " STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
    " or a valid sha256 value."
)


@dataclass(frozen=True)
class PayloadPlan:
    """What the body must still prove, after the request's own signature checked out."""

    kind: PayloadKind
    content_sha256: str | None  # the declared hex digest, for PayloadKind.SHA256
    claim: sigv4.SignatureClaim
    key: bytes = field(repr=False)  # the signing key, for chunk and trailer signatures
    decoded_length: int | None = None  # x-amz-decoded-content-length, for the chunked forms
    trailer: ChecksumAlgorithm | None = None  # the checksum x-amz-trailer announces


def parse_s3_claim(request: HttpRequest) -> sigv4.SignatureClaim | None:
    """The request's signature claim; None for an anonymous request (no signature at all)."""
    query = dict(request.query())
    header = request.header("authorization")
    presigned = header is None and ("X-Amz-Signature" in query or "X-Amz-Credential" in query)
    # SigV4a (multi-Region signatures): S3 knows it; this server verifies HMAC signatures only.
    if header is not None and header.startswith(SIGV4A):
        raise S3NotImplementedError(Header="Authorization")
    if presigned and query.get("X-Amz-Algorithm") == SIGV4A:
        raise S3NotImplementedError(Header="X-Amz-Algorithm")
    # SigV2 (what botocore presigns with unless told "s3v4"), answered as S3's newer Regions
    # answer it; never mistaken for an anonymous request.
    sigv2_query = (
        header is None and not presigned and ("Signature" in query or "AWSAccessKeyId" in query)
    )
    if sigv2_query or (header is not None and header.startswith("AWS ")):
        raise InvalidRequestError(
            "The authorization mechanism you have provided is not supported."
            " Please use AWS4-HMAC-SHA256."
        )
    if presigned:
        _check_query_parameters(query)
    try:
        return sigv4.parse_claim(request)
    except MissingAuthenticationTokenError:
        return None
    except AuthenticationError as exc:
        if presigned:
            raise AuthorizationQueryParametersError(exc.message) from exc
        raise AuthorizationHeaderMalformedError(
            f"The authorization header is malformed; {exc.message}"
        ) from exc


def _check_query_parameters(query: dict[str, str]) -> None:
    required = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                "X-Amz-SignedHeaders", "X-Amz-Expires")  # fmt: skip
    if not all(query.get(k) for k in required):
        raise AuthorizationQueryParametersError()  # its default names them all
    text = query["X-Amz-Expires"]
    if text.startswith("-") and _DIGITS.fullmatch(text[1:]):
        raise AuthorizationQueryParametersError("X-Amz-Expires must be non-negative")
    if not _DIGITS.fullmatch(text):
        raise AuthorizationQueryParametersError("X-Amz-Expires should be a number")
    if int(text) > MAX_EXPIRES_S:
        raise AuthorizationQueryParametersError(
            "X-Amz-Expires must be less than a week (in seconds) that is; 604800 seconds"
        )
    if int(text) == 0:
        # Valid for no time at all: expired from the moment it was signed.
        raise AccessDeniedError("Request has expired", members={"X-Amz-Expires": "0"})


def check_s3_scope(claim: sigv4.SignatureClaim, region: str) -> None:
    where = (
        "Error parsing the X-Amz-Credential parameter"
        if claim.presigned
        else ("The authorization header is malformed")
    )
    error = (
        AuthorizationQueryParametersError if claim.presigned else AuthorizationHeaderMalformedError
    )
    if claim.region != region:
        raise error(
            f"{where}; the region '{claim.region[:40]}' is wrong; expecting '{region}'",
            Region=region,
        )
    if claim.service != SERVICE:
        raise error(
            f"{where}; incorrect service '{claim.service[:40]}'. This endpoint belongs to 's3'."
        )


def check_s3_freshness(claim: sigv4.SignatureClaim, now: datetime) -> None:
    if claim.presigned:
        expires = claim.timestamp + timedelta(seconds=claim.expires_s or 0)
        if now >= expires:
            raise AccessDeniedError(
                "Request has expired",
                members={"X-Amz-Expires": str(claim.expires_s)},
                Expires=expires.strftime(_ISO),
                ServerTime=now.astimezone(UTC).strftime(_ISO),
            )
        if claim.timestamp <= now + MAX_SKEW:
            return
    elif abs(now - claim.timestamp) <= MAX_SKEW:
        return
    raise RequestTimeTooSkewedError(
        RequestTime=claim.timestamp.strftime(_ISO),
        ServerTime=now.astimezone(UTC).strftime(_ISO),
        MaxAllowedSkewMilliseconds=str(int(MAX_SKEW.total_seconds() * 1000)),
    )


def payload_kind(request: HttpRequest, claim: sigv4.SignatureClaim) -> tuple[PayloadKind, str]:
    """How the body is bound to the signature, and the value the canonical request ends with."""
    declared = request.header("x-amz-content-sha256")
    if declared is None:
        if claim.presigned:  # a presigned URL signs no body (S3: "UNSIGNED-PAYLOAD")
            return PayloadKind.UNSIGNED, sigv4.UNSIGNED_PAYLOAD
        raise InvalidRequestError("Missing required header for this request: x-amz-content-sha256")
    if _HEX64.fullmatch(declared):
        return PayloadKind.SHA256, declared
    if declared in _ECDSA:
        raise S3NotImplementedError(Header="x-amz-content-sha256")
    try:
        kind = PayloadKind(declared)
    except ValueError:
        raise InvalidArgumentError(
            _CONTENT_SHA256_VALUES,
            ArgumentName="x-amz-content-sha256",
            ArgumentValue=declared[:64],
        ) from None
    if kind is PayloadKind.SHA256:  # the enum's own placeholder is no digest
        raise InvalidArgumentError(_CONTENT_SHA256_VALUES)
    if claim.presigned and kind.chunked:
        # A presigned URL has no seed signature for chunks to chain from.
        raise S3NotImplementedError(Header="x-amz-content-sha256")
    return kind, declared


def verify_s3_request(
    request: HttpRequest, claim: sigv4.SignatureClaim, secret: str, region: str, now: datetime
) -> PayloadPlan:
    """Check the claim's scope and clock, then the signature over the request as S3 signs it;
    return what the body must still prove. Raises an S3 error on any failure."""
    check_s3_scope(claim, region)
    check_s3_freshness(claim, now)
    kind, declared = payload_kind(request, claim)
    decoded = _decoded_length(request) if kind.chunked else None
    trailer = _trailer(request, kind)
    try:
        sigv4.verify_signature(request, claim, secret, s3=True, payload_hash=declared)
    except InvalidSignatureError as exc:
        raise SignatureDoesNotMatchError() from exc
    return PayloadPlan(
        kind=kind,
        content_sha256=declared if kind is PayloadKind.SHA256 else None,
        claim=claim,
        key=sigv4.signing_key(secret, claim),
        decoded_length=decoded,
        trailer=trailer,
    )


def _decoded_length(request: HttpRequest) -> int:
    text = request.header("x-amz-decoded-content-length")
    if text is None:
        raise MissingContentLengthError()
    if not _DIGITS.fullmatch(text):
        raise InvalidArgumentError(
            "x-amz-decoded-content-length must be a non-negative integer.",
            ArgumentName="x-amz-decoded-content-length",
        )
    return int(text)


def _trailer(request: HttpRequest, kind: PayloadKind) -> ChecksumAlgorithm | None:
    text = request.header("x-amz-trailer")
    if text is None:
        if kind.trailer:
            raise InvalidRequestError(
                "The x-amz-trailer header is required with a trailing-checksum payload."
            )
        return None
    name = text.strip().lower()
    if not kind.trailer:
        raise InvalidRequestError(
            "The value specified in the x-amz-trailer header is not supported"
        )
    if name == "x-amz-checksum-crc64nvme":
        raise S3NotImplementedError(Header="x-amz-trailer")
    algorithm = CHECKSUM_HEADERS.get(name)
    if algorithm is None:
        raise InvalidRequestError(
            "The value specified in the x-amz-trailer header is not supported"
        )
    return algorithm


def stored_content_encoding(value: str | None) -> str | None:
    """The Content-Encoding to keep with the object: `aws-chunked` describes the transfer only
    (S3 docs, "Transferring Payload in Multiple Chunks")."""
    if value is None:
        return None
    kept = [v.strip() for v in value.split(",") if v.strip() and v.strip() != "aws-chunked"]
    return ",".join(kept) or None
