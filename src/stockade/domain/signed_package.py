"""The signed-package format: a deployment package (zip) carrying its own signature.

The signature travels inside the zip as one entry, `META-INF/stockade-signature.json`:

    {"format": "stockade-signed-package/1",
     "signed": {"contentSha384": ..., "platformId": "AWSLambda-SHA384-ECDSA",
                "profileVersionArn": ..., "jobArn": ..., "signedAt": ..., "expiresAt": ...},
     "signature": base64 of the ECDSA P-384 / SHA-384 signature (DER)}

The signature covers `statement_bytes(signed)`: the format line, then the `signed` object as
canonical JSON (sorted keys, no spaces, ASCII). `contentSha384` covers every other entry of
the zip: the SHA-384 of the canonical JSON list of `[name, unix mode, SHA-384 of the bytes]`,
sorted by name. Entry names, contents and permission bits are covered; zip metadata such as
timestamps and compression is not, so re-zipping the same tree keeps the signature valid and
changing any file, adding or removing one breaks it. Docs: docs/code-signing.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stockade.domain.errors import SignedPackageError

MANIFEST_NAME = "META-INF/stockade-signature.json"
FORMAT = "stockade-signed-package/1"
PLATFORM_ID = "AWSLambda-SHA384-ECDSA"
_MANIFEST_MAX_BYTES = 16 * 1024
_CHUNK = 64 * 1024
_SHA384_HEX = re.compile(r"[0-9a-f]{96}")
_FIELDS = ("contentSha384", "platformId", "profileVersionArn", "jobArn", "signedAt", "expiresAt")
_TEXT_MAX = 2048


@dataclass(frozen=True)
class SignedStatement:
    """What a signature vouches for: this content, by this profile version, in this window."""

    content_sha384: str
    platform_id: str
    profile_version_arn: str
    job_arn: str
    signed_at: datetime
    expires_at: datetime

    def fields(self) -> dict[str, str]:
        return {
            "contentSha384": self.content_sha384,
            "platformId": self.platform_id,
            "profileVersionArn": self.profile_version_arn,
            "jobArn": self.job_arn,
            "signedAt": format_time(self.signed_at),
            "expiresAt": format_time(self.expires_at),
        }

    @classmethod
    def from_fields(cls, data: Any) -> SignedStatement:
        """Parse strictly: exactly the known fields, each a bounded string of its form."""
        if not isinstance(data, dict) or set(data) != set(_FIELDS):
            raise SignedPackageError(f"The signed statement must have exactly {list(_FIELDS)}.")
        if not all(isinstance(v, str) and 0 < len(v) <= _TEXT_MAX for v in data.values()):
            raise SignedPackageError("The signed statement's fields must be short strings.")
        if not _SHA384_HEX.fullmatch(data["contentSha384"]):
            raise SignedPackageError("contentSha384 must be 96 lowercase hex digits.")
        return cls(
            data["contentSha384"],
            data["platformId"],
            data["profileVersionArn"],
            data["jobArn"],
            parse_time(data["signedAt"]),
            parse_time(data["expiresAt"]),
        )


@dataclass(frozen=True)
class Manifest:
    statement: SignedStatement
    signature: bytes = field(repr=False)

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "signed": self.statement.fields(),
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }
        return json.dumps(document, indent=2, sort_keys=True).encode() + b"\n"


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise SignedPackageError("Times must be UTC ISO 8601 (YYYY-MM-DDTHH:MM:SSZ).") from exc


def statement_bytes(statement: SignedStatement) -> bytes:
    """The exact bytes the signature covers."""
    canonical = json.dumps(statement.fields(), sort_keys=True, separators=(",", ":"))
    return f"{FORMAT}\n{canonical}".encode("ascii")


def content_digest(package: bytes) -> str:
    """SHA-384 (hex) of the package's entries other than the manifest (see the module doc)."""
    try:
        listing = _listing(package)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise SignedPackageError("The package is not a readable zip archive.") from exc
    text = json.dumps(listing, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha384(text.encode("ascii")).hexdigest()


def _listing(package: bytes) -> list[list[Any]]:
    listing: list[list[Any]] = []
    with _open(package) as archive:
        names = [info.filename for info in archive.infolist()]
        if len(names) != len(set(names)):
            raise SignedPackageError("The package has duplicate entry names.")
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.filename == MANIFEST_NAME:
                continue
            hasher = hashlib.sha384()
            with archive.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    hasher.update(chunk)
            listing.append([info.filename, (info.external_attr >> 16) & 0o7777, hasher.hexdigest()])
    return listing


def read_manifest(package: bytes) -> Manifest | None:
    """The package's manifest; None if it carries none; SignedPackageError if malformed."""
    with _open(package) as archive:
        entries = [i for i in archive.infolist() if i.filename == MANIFEST_NAME]
        if not entries:
            return None
        if len(entries) > 1 or entries[0].file_size > _MANIFEST_MAX_BYTES:
            raise SignedPackageError("The package's signature manifest is malformed.")
        try:
            with archive.open(entries[0]) as stream:
                raw = stream.read(_MANIFEST_MAX_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise SignedPackageError("The package's signature manifest is unreadable.") from exc
    if len(raw) > _MANIFEST_MAX_BYTES:
        raise SignedPackageError("The package's signature manifest is too large.")
    return parse_manifest(raw)


def parse_manifest(raw: bytes) -> Manifest:
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise SignedPackageError("The signature manifest is not JSON.") from exc
    if not isinstance(document, dict) or set(document) != {"format", "signed", "signature"}:
        raise SignedPackageError("The signature manifest must have format, signed, signature.")
    if document["format"] != FORMAT:
        raise SignedPackageError(f"Unknown signature format; expected {FORMAT}.")
    if not isinstance(document["signature"], str) or len(document["signature"]) > _TEXT_MAX:
        raise SignedPackageError("The signature must be base64 text.")
    try:
        signature = base64.b64decode(document["signature"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignedPackageError("The signature must be base64 text.") from exc
    return Manifest(SignedStatement.from_fields(document["signed"]), signature)


def embed(package: bytes, manifest: Manifest) -> bytes:
    """The package with `manifest` as its signature entry (replacing any earlier one)."""
    out = io.BytesIO()
    with _open(package) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != MANIFEST_NAME:
                target.writestr(info, source.read(info))
        entry = zipfile.ZipInfo(MANIFEST_NAME, (1980, 1, 1, 0, 0, 0))
        entry.external_attr = 0o100644 << 16
        entry.compress_type = zipfile.ZIP_DEFLATED
        target.writestr(entry, manifest.to_json())
    return out.getvalue()


def _open(package: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(package))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SignedPackageError("The package is not a readable zip archive.") from exc


# What `stockade sign` sends to Signer's SignPayload: the content digest, never the package.
PAYLOAD_FORMAT = "application/vnd.stockade.package-digest.v1+json"


def digest_payload(content_sha384: str) -> bytes:
    return json.dumps({"contentSha384": content_sha384}, separators=(",", ":")).encode("ascii")


def parse_digest_payload(payload: bytes) -> str:
    """The content digest a SignPayload request asks to sign (strict)."""
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise SignedPackageError("The payload is not JSON.") from exc
    if not isinstance(document, dict) or set(document) != {"contentSha384"}:
        raise SignedPackageError('The payload must be {"contentSha384": "<96 hex digits>"}.')
    digest = document["contentSha384"]
    if not isinstance(digest, str) or not _SHA384_HEX.fullmatch(digest):
        raise SignedPackageError("contentSha384 must be 96 lowercase hex digits.")
    return digest
