"""AWS Signature Version 4 verification, from the Authorization header or a presigned URL.

Fails closed: anything that is not a complete, in-date, correctly scoped signature over this
exact request is rejected. Signatures are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote, unquote

from stockade.api.errors import (
    IncompleteSignatureError,
    InvalidSignatureError,
    MissingAuthenticationTokenError,
)
from stockade.api.http import HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_SKEW = timedelta(minutes=5)
MAX_PRESIGN_EXPIRY_S = 7 * 24 * 3600
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your"
    " AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class SignatureClaim:
    """What a request says about its own signature, before anything is verified."""

    access_key_id: str
    date: str  # YYYYMMDD from the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str = field(repr=False)
    timestamp: datetime
    presigned: bool
    expires_s: int | None = None
    security_token: str | None = field(default=None, repr=False)

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def peek_service(request: HttpRequest) -> str | None:
    """The service named in the credential scope, for routing only (nothing is trusted)."""
    text = request.header("authorization")
    if text is not None and "Credential=" in text:
        credential = text.split("Credential=", 1)[1].split(",", 1)[0]
    else:
        credential = next((v for k, v in request.query() if k == "X-Amz-Credential"), "")
    parts = credential.strip().split("/")
    return parts[3] if len(parts) == 5 else None


def parse_claim(request: HttpRequest) -> SignatureClaim:
    header = request.header("authorization")
    if header is not None:
        return _parse_header(header, request)
    query = dict(request.query())
    if "X-Amz-Signature" in query or "X-Amz-Credential" in query:
        return _parse_query(query)
    raise MissingAuthenticationTokenError("Missing Authentication Token")


def _parse_header(header: str, request: HttpRequest) -> SignatureClaim:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureError(f"Authorization header must use the {ALGORITHM} algorithm.")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields[key] = value
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
    if missing:
        raise IncompleteSignatureError(
            " ".join(f"Authorization header requires '{k}' parameter." for k in missing)
        )
    amz_date = request.header("x-amz-date")
    if amz_date is None:
        raise IncompleteSignatureError(
            "Authorization header requires existence of a 'X-Amz-Date' header."
        )
    signed = tuple(fields["SignedHeaders"].split(";"))
    if "x-amz-date" not in signed:
        raise IncompleteSignatureError("'X-Amz-Date' must be a signed header.")
    token = request.header("x-amz-security-token")
    if token is not None and "x-amz-security-token" not in signed:
        raise IncompleteSignatureError("'X-Amz-Security-Token' must be a signed header.")
    return _claim(fields["Credential"], signed, fields["Signature"], amz_date, False, None, token)


def _parse_query(query: dict[str, str]) -> SignatureClaim:
    required = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders",
                "X-Amz-Signature", "X-Amz-Expires")  # fmt: skip
    missing = [k for k in required if not query.get(k)]
    if missing:
        raise IncompleteSignatureError(
            " ".join(f"Query-string authentication requires the {k} parameter." for k in missing)
        )
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise IncompleteSignatureError(f"X-Amz-Algorithm must be {ALGORITHM}.")
    try:
        expires = int(query["X-Amz-Expires"])
    except ValueError as exc:
        raise IncompleteSignatureError("X-Amz-Expires must be a number of seconds.") from exc
    if not 1 <= expires <= MAX_PRESIGN_EXPIRY_S:
        raise IncompleteSignatureError(
            f"X-Amz-Expires must be between 1 and {MAX_PRESIGN_EXPIRY_S} seconds."
        )
    signed = tuple(query["X-Amz-SignedHeaders"].split(";"))
    return _claim(
        query["X-Amz-Credential"],
        signed,
        query["X-Amz-Signature"],
        query["X-Amz-Date"],
        True,
        expires,
        query.get("X-Amz-Security-Token"),
    )


def _claim(
    credential: str,
    signed: tuple[str, ...],
    signature: str,
    amz_date: str,
    presigned: bool,
    expires: int | None,
    token: str | None,
) -> SignatureClaim:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise IncompleteSignatureError(
            "Credential must have the form <key>/<date>/<region>/<service>/aws4_request."
        )
    if "host" not in signed or list(signed) != sorted(signed):
        raise IncompleteSignatureError("SignedHeaders must be sorted and must include 'host'.")
    try:
        timestamp = _parse_amz_date(amz_date)
    except ValueError as exc:
        raise IncompleteSignatureError(
            "X-Amz-Date must be in ISO 8601 basic format (YYYYMMDD'T'HHMMSS'Z')."
        ) from exc
    if parts[1] != amz_date[:8]:
        raise InvalidSignatureError(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date"
            f" from HTTP: '{parts[1]}' != '{amz_date[:8]}'"
        )
    return SignatureClaim(
        access_key_id=parts[0],
        date=parts[1],
        region=parts[2],
        service=parts[3],
        signed_headers=signed,
        signature=signature,
        timestamp=timestamp,
        presigned=presigned,
        expires_s=expires,
        security_token=token,
    )


def _parse_amz_date(text: str) -> datetime:
    """YYYYMMDD'T'HHMMSS'Z', strictly (ASCII digits, no other spelling); ValueError if not.

    Parsed by hand: strptime costs more than verifying the signature's HMACs.
    """
    digits = text[0:8] + text[9:15]
    if (
        len(text) != 16
        or text[8] != "T"
        or text[15] != "Z"
        or not (digits.isascii() and digits.isdigit())
    ):
        raise ValueError(text)
    return datetime(
        int(text[0:4]), int(text[4:6]), int(text[6:8]),
        int(text[9:11]), int(text[11:13]), int(text[13:15]), tzinfo=UTC,
    )  # fmt: skip


class _Stamp:
    def __init__(self, when: datetime) -> None:
        self._when = when

    def __format__(self, spec: str) -> str:
        return self._when.strftime(_AMZ_DATE)


def check_freshness(claim: SignatureClaim, now: datetime) -> None:
    stamp = _Stamp(claim.timestamp)  # formatted only for a refusal's message
    if claim.presigned:
        lifetime = timedelta(seconds=claim.expires_s or 0)
        if now > claim.timestamp + lifetime:
            raise InvalidSignatureError(
                f"Signature expired: {stamp} is now earlier than"
                f" {(now - lifetime).strftime(_AMZ_DATE)}"
            )
        if claim.timestamp > now + MAX_SKEW:
            raise InvalidSignatureError(f"Signature not yet current: {stamp}")
        return
    if claim.timestamp < now - MAX_SKEW:
        raise InvalidSignatureError(
            f"Signature expired: {stamp} is now earlier than {(now - MAX_SKEW).strftime(_AMZ_DATE)}"
            f" ({now.strftime(_AMZ_DATE)} - 5 min.)"
        )
    if claim.timestamp > now + MAX_SKEW:
        raise InvalidSignatureError(
            f"Signature not yet current: {stamp} is still later than"
            f" {(now + MAX_SKEW).strftime(_AMZ_DATE)} ({now.strftime(_AMZ_DATE)} + 5 min.)"
        )


def check_scope(claim: SignatureClaim, region: str, service: str) -> None:
    if claim.region != region:
        raise InvalidSignatureError(
            f"Credential should be scoped to a valid region, not '{claim.region[:40]}'."
        )
    if claim.service != service:
        raise InvalidSignatureError(f"Credential should be scoped to correct service: '{service}'.")


def verify_signature(
    request: HttpRequest,
    claim: SignatureClaim,
    secret: str,
    *,
    s3: bool = False,
    payload_hash: str | None = None,
) -> None:
    """Recompute the signature with the caller's secret; raise unless it matches exactly.

    `s3` signs the path as S3 does; `payload_hash` is the canonical request's last line when
    the caller checks the body itself (S3's streamed bodies), else the body is hashed here."""
    expected = _signature(request, claim, secret, s3=s3, payload_hash=payload_hash)
    if not hmac.compare_digest(expected.encode(), claim.signature.encode()):
        raise InvalidSignatureError(_MISMATCH)


def _signature(
    request: HttpRequest,
    claim: SignatureClaim,
    secret: str,
    *,
    s3: bool = False,
    payload_hash: str | None = None,
) -> str:
    canonical = canonical_request(request, claim, s3=s3, payload_hash=payload_hash)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return sign(signing_key(secret, claim), string_to_sign(ALGORITHM, claim, digest))


def string_to_sign(algorithm: str, claim: SignatureClaim, *lines: str) -> str:
    """A string to sign: algorithm, timestamp, scope, then the kind's own lines (the
    canonical request's hash; or, for a chunk of a streamed body, the previous signature and
    the hashes that follow it)."""
    return "\n".join((algorithm, claim.timestamp.strftime(_AMZ_DATE), claim.scope, *lines))


def signing_key(secret: str, claim: SignatureClaim) -> bytes:
    return _signing_key(secret, claim.date, claim.region, claim.service)


def sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def canonical_request(
    request: HttpRequest,
    claim: SignatureClaim,
    *,
    s3: bool = False,
    payload_hash: str | None = None,
) -> str:
    return "\n".join(
        (
            request.method.upper(),
            _s3_canonical_uri(request.raw_path) if s3 else _canonical_uri(request.raw_path),
            _canonical_query(request.query_string, claim.presigned),
            _canonical_headers(request, claim.signed_headers),
            ";".join(claim.signed_headers),
            _payload_hash(request, claim) if payload_hash is None else payload_hash,
        )
    )


def _s3_canonical_uri(raw_path: str) -> str:
    # S3 signs the path as sent: encoded once by the client, never normalized, so a key such
    # as "a/../b" or "a//b" is the key it names (AWS SigV4 docs, "Create a canonical request").
    return raw_path or "/"


def _payload_hash(request: HttpRequest, claim: SignatureClaim) -> str:
    declared = request.header("x-amz-content-sha256")
    if claim.presigned and declared == UNSIGNED_PAYLOAD:
        return declared
    actual = hashlib.sha256(request.body).hexdigest()
    if declared is not None and declared != actual:
        # Stockade always binds the body to the signature; an unsigned or mismatched body hash
        # would let a replayed signature carry a different request body.
        raise InvalidSignatureError(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    return actual


def _canonical_uri(raw_path: str) -> str:
    # Non-S3 services sign the already-encoded path encoded once more, after removing
    # dot segments and empty segments (as botocore does).
    if not raw_path:
        return "/"
    kept: list[str] = []
    for segment in raw_path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment and segment != ".":
            kept.append(segment)
    normalized = "/" + "/".join(kept)
    if raw_path.endswith("/") and kept:
        normalized += "/"
    return quote(normalized, safe="/~")


def _canonical_query(query_string: str, presigned: bool) -> str:
    pairs = []
    for item in query_string.split("&") if query_string else ():
        key, _, value = item.partition("=")
        key, value = unquote(key), unquote(value)
        if presigned and key == "X-Amz-Signature":
            continue
        pairs.append((quote(key, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _canonical_headers(request: HttpRequest, signed: tuple[str, ...]) -> str:
    lines = []
    for name in signed:
        value = request.header(name)
        if value is None:
            raise InvalidSignatureError(_MISMATCH)
        lines.append(f"{name}:{' '.join(value.split())}")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1024)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret}".encode(), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()
