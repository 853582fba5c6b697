"""What boto3's put_object really sends, captured off a loopback socket, verified end to end:
the request's signature, then the body as it streams (a signed digest, header checksums, or
aws-chunked with an unsigned trailing checksum, as botocore sends over TLS)."""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.api import s3_body_checks
from stockade.api.s3_chunked import ChunkedDecoder, TrailingChecksum, decode_chunked
from stockade.api.s3_sigv4 import PayloadKind, PayloadPlan
from stockade.services.s3.errors import (
    BadDigestError,
    ContentSha256MismatchError,
    IncompleteBodyError,
    InvalidChunkSizeError,
    SignatureDoesNotMatchError,
)
from stockade.store.object_checksums import checksum
from stockade.store.object_ports import ChecksumAlgorithm
from tests.support.js_sdk import js_sdk_dir
from tests.unit.api.s3_wire import (
    Captured,
    Tls,
    aws_cli_cp_wire,
    js_put_wire,
    local_tls,
    plan_for,
    put_object_wire,
)

# Three aws-chunked chunks as botocore frames them (1 MiB each, then the rest).
BIG = bytes(range(251)) * 9000  # 2259000 bytes


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return local_tls(tmp_path_factory.mktemp("tls"))


def receive(captured: Captured, reads: list[bytes] | None = None) -> tuple[bytes, PayloadPlan]:
    """The server's side: verify the head, then stream the body through its checks."""
    request = captured.request
    plan = plan_for(request, datetime.now(UTC))
    checks = s3_body_checks.body_checks(request.headers, plan)
    body: Iterator[bytes] = iter(captured.reads if reads is None else reads)
    if plan.kind.chunked:
        body = decode_chunked(body, ChunkedDecoder(plan))
    return b"".join(s3_body_checks.checked(body, checks)), plan


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_plain_http_put_signs_the_body_digest(algorithm: str) -> None:
    captured = put_object_wire(None, b"hello over http", ChecksumAlgorithm=algorithm)
    data, plan = receive(captured)
    assert data == b"hello over http"
    assert plan.kind is PayloadKind.SHA256
    checks = s3_body_checks.body_checks(captured.request.headers, plan)
    assert checks.checksum == (
        ChecksumAlgorithm(algorithm),
        checksum(ChecksumAlgorithm(algorithm), b"hello over http"),
    )


def test_plain_http_put_with_another_body_is_refused() -> None:
    captured = put_object_wire(None, b"original", ChecksumAlgorithm="SHA256")
    with pytest.raises(ContentSha256MismatchError):
        receive(captured, [b"tampered"])


@pytest.mark.parametrize("signing", [True, False])
@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_tls_put_streams_an_unsigned_trailer(tls: Tls, algorithm: str, signing: bool) -> None:
    captured = put_object_wire(
        tls, BIG, ChecksumAlgorithm=algorithm, payload_signing_enabled=signing
    )
    assert captured.request.header("content-encoding") == "aws-chunked"
    data, plan = receive(captured)
    assert data == BIG
    assert plan.kind is PayloadKind.STREAMING_UNSIGNED_TRAILER
    assert plan.trailer is ChecksumAlgorithm(algorithm)


def test_aws_cli_cp_streams_an_unsigned_trailer(tls: Tls, tmp_path: Path) -> None:
    captured = aws_cli_cp_wire(tls, BIG[:30000], tmp_path)
    data, plan = receive(captured)
    assert data == BIG[:30000]
    assert plan.kind is PayloadKind.STREAMING_UNSIGNED_TRAILER
    assert captured.request.raw_path == "/bucket/cli/upload.bin"


@pytest.fixture(scope="module")
def sdk() -> Path:
    found = js_sdk_dir()
    if found is None:
        pytest.skip("node and npm are needed for the JavaScript SDK")
    return found


def test_js_sdk_put_of_a_buffer_signs_its_digest(tls: Tls, sdk: Path) -> None:
    captured = js_put_wire(tls, sdk, 150_000)
    data, plan = receive(captured)
    assert data == b"a" * 150_000
    assert plan.kind is PayloadKind.SHA256
    assert captured.request.header("x-amz-checksum-crc32") is not None


def test_js_sdk_put_of_a_stream_sends_an_unsigned_trailer(tls: Tls, sdk: Path) -> None:
    captured = js_put_wire(tls, sdk, 150_000, pieces=70_000)
    data, plan = receive(captured)
    assert data == b"a" * 150_000
    assert (plan.kind, plan.trailer) == (
        PayloadKind.STREAMING_UNSIGNED_TRAILER,
        ChecksumAlgorithm.CRC32,
    )


def test_js_sdk_small_stream_reads_need_its_buffer(tls: Tls, sdk: Path) -> None:
    # Unbuffered, the SDK sends each 1000-byte read as a chunk; S3 refuses that with
    # InvalidChunkSizeError, and the SDK adds "Set [requestStreamBufferSize=...]" to it.
    small = js_put_wire(tls, sdk, 20_000, pieces=1000)
    with pytest.raises(InvalidChunkSizeError) as caught:
        receive(small)
    assert caught.value.wire_fields() == {"Chunk": "1", "BadChunkSize": "1000"}
    buffered = js_put_wire(tls, sdk, 20_000, pieces=1000, buffer_size=65_536)
    assert receive(buffered)[0] == b"a" * 20_000


def test_tls_put_of_an_empty_body(tls: Tls) -> None:
    data, plan = receive(put_object_wire(tls, b"", ChecksumAlgorithm="CRC32"))
    assert data == b""
    assert plan.decoded_length == 0


@pytest.mark.parametrize(
    ("signing", "kind"), [(False, PayloadKind.UNSIGNED), (True, PayloadKind.SHA256)]
)
def test_tls_put_without_checksums_honours_payload_signing(
    tls: Tls, signing: bool, kind: PayloadKind
) -> None:
    captured = put_object_wire(
        tls, b"payload", checksums="when_required", payload_signing_enabled=signing
    )
    data, plan = receive(captured)
    assert (data, plan.kind) == (b"payload", kind)


def test_content_md5_is_checked_on_an_unsigned_payload(tls: Tls) -> None:
    md5 = base64.b64encode(hashlib.md5(b"payload", usedforsecurity=False).digest()).decode()
    captured = put_object_wire(
        tls, b"payload", checksums="when_required", payload_signing_enabled=False, ContentMD5=md5
    )
    assert receive(captured)[0] == b"payload"
    with pytest.raises(BadDigestError, match="The Content-MD5 you specified did not match"):
        receive(captured, [b"paylaod"])


@pytest.fixture(scope="module")
def trailer_wire(tls: Tls) -> Captured:
    return put_object_wire(tls, BIG[:40000], ChecksumAlgorithm="SHA256")


def test_a_changed_trailer_checksum_is_a_bad_digest(tls: Tls) -> None:
    captured = put_object_wire(tls, BIG[:20000], ChecksumAlgorithm="CRC32")
    body = captured.body
    value = checksum(ChecksumAlgorithm.CRC32, BIG[:20000]).encode()
    wrong = checksum(ChecksumAlgorithm.CRC32, b"not the body").encode()
    with pytest.raises(BadDigestError, match="The CRC32 you specified did not match"):
        receive(captured, [body.replace(value, wrong)])


def test_a_flipped_data_byte_is_caught_by_the_trailer(tls: Tls) -> None:
    captured = put_object_wire(tls, BIG[:20000], ChecksumAlgorithm="SHA1")
    body = bytearray(captured.body)
    body[100] ^= 0x20
    with pytest.raises(BadDigestError):
        receive(captured, [bytes(body)])


def test_a_truncated_upload_is_incomplete(tls: Tls) -> None:
    captured = put_object_wire(tls, BIG[:20000], ChecksumAlgorithm="CRC32")
    with pytest.raises(IncompleteBodyError):
        receive(captured, [captured.body[:-10]])


def test_the_request_signature_still_binds_the_head(tls: Tls) -> None:
    captured = put_object_wire(tls, BIG[:20000], ChecksumAlgorithm="CRC32")
    headers = {**captured.request.headers, "x-amz-decoded-content-length": "19999"}
    forged = Captured(
        type(captured.request)("PUT", captured.request.raw_path, "", headers, b""), captured.reads
    )
    with pytest.raises(SignatureDoesNotMatchError):
        receive(forged)


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0), max_size=10))
def test_botocore_wire_splits_anywhere(trailer_wire: Captured, cuts: list[int]) -> None:
    captured = trailer_wire
    body = captured.body
    points = sorted({c % (len(body) + 1) for c in cuts})
    edges = [0, *points, len(body)]
    reads = [body[a:b] for a, b in itertools.pairwise(edges)]
    decoder = ChunkedDecoder(plan_for(captured.request, datetime.now(UTC)))
    assert b"".join(decode_chunked(reads, decoder)) == BIG[:40000]
    assert decoder.trailing == TrailingChecksum(
        ChecksumAlgorithm.SHA256, checksum(ChecksumAlgorithm.SHA256, BIG[:40000])
    )
