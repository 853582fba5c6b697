"""The signed-package format: digest coverage, manifest round trip, strict parsing."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from stockade.domain.errors import SignedPackageError
from stockade.domain.signed_package import (
    MANIFEST_NAME,
    Manifest,
    SignedStatement,
    content_digest,
    digest_payload,
    embed,
    parse_digest_payload,
    parse_manifest,
    read_manifest,
    statement_bytes,
)
from tests.support.packages import make_zip

PACKAGE = make_zip({"app.py": "X = 1\n", "lib/util.py": "Y = 2\n"})
STATEMENT = SignedStatement(
    content_sha384="a" * 96,
    platform_id="AWSLambda-SHA384-ECDSA",
    profile_version_arn="arn:aws:signer:us-east-1:123456789012:/signing-profiles/p/abcdefghij",
    job_arn="arn:aws:signer:us-east-1:123456789012:/signing-jobs/job",
    signed_at=datetime(2025, 1, 1, tzinfo=UTC),
    expires_at=datetime(2036, 4, 1, tzinfo=UTC),
)


def test_the_manifest_round_trips_through_the_package() -> None:
    signed = embed(PACKAGE, Manifest(STATEMENT, b"sig"))
    found = read_manifest(signed)
    assert found == Manifest(STATEMENT, b"sig")
    assert read_manifest(PACKAGE) is None


def test_the_digest_ignores_the_manifest_and_zip_metadata() -> None:
    signed = embed(PACKAGE, Manifest(STATEMENT, b"sig"))
    assert content_digest(signed) == content_digest(PACKAGE)
    rezipped = make_zip({"lib/util.py": "Y = 2\n", "app.py": "X = 1\n"})
    assert content_digest(rezipped) == content_digest(PACKAGE)


@pytest.mark.parametrize(
    "changed",
    [
        make_zip({"app.py": "X = 2\n", "lib/util.py": "Y = 2\n"}),
        make_zip({"app.py": "X = 1\n"}),
        make_zip({"app.py": "X = 1\n", "lib/util.py": "Y = 2\n", "extra.py": ""}),
        make_zip({"app.py": "X = 1\n", "lib/util.py": "Y = 2\n"}, executable=("app.py",)),
        make_zip({"main.py": "X = 1\n", "lib/util.py": "Y = 2\n"}),
    ],
    ids=["content", "removed", "added", "mode", "renamed"],
)
def test_any_change_to_the_tree_changes_the_digest(changed: bytes) -> None:
    assert content_digest(changed) != content_digest(PACKAGE)


def test_the_signed_bytes_are_canonical() -> None:
    assert statement_bytes(STATEMENT).startswith(b"stockade-signed-package/1\n{")
    assert b" " not in statement_bytes(STATEMENT)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"format": "other/1", "signed": {}, "signature": ""}',
        b'{"format": "stockade-signed-package/1", "signed": {}, "signature": ""}',
        b'{"format": "stockade-signed-package/1", "signed": {}, "signature": "", "x": 1}',
    ],
)
def test_malformed_manifests_are_refused(raw: bytes) -> None:
    with pytest.raises(SignedPackageError):
        parse_manifest(raw)


def test_a_statement_with_an_extra_field_or_bad_time_is_refused() -> None:
    fields = STATEMENT.fields()
    with pytest.raises(SignedPackageError):
        SignedStatement.from_fields({**fields, "extra": "x"})
    with pytest.raises(SignedPackageError):
        SignedStatement.from_fields({**fields, "signedAt": "yesterday"})
    with pytest.raises(SignedPackageError):
        SignedStatement.from_fields({**fields, "contentSha384": "A" * 96})


def test_two_manifests_or_a_non_zip_are_refused() -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        doubled = _two_manifests()
    with pytest.raises(SignedPackageError):
        read_manifest(doubled)
    with pytest.raises(SignedPackageError):
        content_digest(b"not a zip")


def test_the_digest_payload_is_parsed_strictly() -> None:
    assert parse_digest_payload(digest_payload("b" * 96)) == "b" * 96
    for bad in (b"{}", b'{"contentSha384": "b"}', b'{"contentSha384": 1}', b"nope"):
        with pytest.raises(SignedPackageError):
            parse_digest_payload(bad)


def _two_manifests() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(MANIFEST_NAME, "{}")
        archive.writestr(MANIFEST_NAME, "{}")
    return buffer.getvalue()
