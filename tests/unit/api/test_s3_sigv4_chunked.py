"""The aws-chunked decoder with signed chunks: AWS's own published examples, then streams whose
seed signature botocore's S3 signer made and whose chunks are signed as the S3 API Reference
describes ("Transferring Payload in Multiple Chunks", "... Including Trailing Headers")."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.api import checksums, s3_chunked
from stockade.api.http import HttpRequest
from stockade.api.s3_chunked import ChunkedDecoder, decode_chunked, decode_chunked_async
from stockade.api.s3_sigv4 import PayloadPlan
from stockade.services.s3.errors import (
    BadDigestError,
    IncompleteBodyError,
    InvalidChunkSizeError,
    InvalidRequestError,
    MalformedTrailerError,
    SignatureDoesNotMatchError,
)
from stockade.store.object_checksums import checksum
from stockade.store.object_ports import ChecksumAlgorithm
from tests.unit.api.s3_wire import REGION, SECRET, plan_for, s3_signed

EMPTY = hashlib.sha256(b"").hexdigest()

# --- AWS's examples (S3 API Reference, the two pages above): example credentials, 2013-05-24,
# a 66560-byte object of "a" in a 64 KiB and a 1 KiB chunk.
DOCS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOCS_NOW = datetime(2013, 5, 24, tzinfo=UTC)
DOCS_CHUNKS = (b"a" * 65536, b"a" * 1024)
DOCS_SIGNED = {
    "seed": "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    "chunks": (
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ),
}
DOCS_TRAILER = {
    "seed": "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
    "chunks": (
        "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
        "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
        "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
    ),
    "crc32c": "sOO8/Q==",
    "trailer": "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435",
}


def docs_request(trailer: bool) -> HttpRequest:
    headers = {
        "host": "s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
    }
    if trailer:
        headers["x-amz-content-sha256"] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
        headers["x-amz-trailer"] = "x-amz-checksum-crc32c"
        seed = DOCS_TRAILER["seed"]
    else:
        headers["x-amz-content-sha256"] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
        headers["content-length"] = "66824"
        seed = DOCS_SIGNED["seed"]
    signed = ";".join(sorted(headers))
    headers["authorization"] = (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        f"SignedHeaders={signed},Signature={seed}"
    )
    return HttpRequest("PUT", "/examplebucket/chunkObject.txt", "", headers, b"")


def docs_body(trailer: bool) -> bytes:
    example = DOCS_TRAILER if trailer else DOCS_SIGNED
    sigs = example["chunks"]
    body = b"".join(
        f"{len(data):x};chunk-signature={sig}\r\n".encode() + data + b"\r\n"
        for data, sig in zip(DOCS_CHUNKS, sigs, strict=False)
    )
    body += f"0;chunk-signature={sigs[2]}\r\n".encode()
    if trailer:
        body += f"x-amz-checksum-crc32c:{DOCS_TRAILER['crc32c']}\r\n".encode()
        body += f"x-amz-trailer-signature:{DOCS_TRAILER['trailer']}\r\n".encode()
    return body + b"\r\n"


def docs_plan(trailer: bool) -> PayloadPlan:
    return plan_for(docs_request(trailer), DOCS_NOW, secret=DOCS_SECRET)


def splits(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts})
    edges = [0, *points, len(body)]
    return [body[a:b] for a, b in itertools.pairwise(edges)]


def decode(body: bytes | list[bytes], plan: PayloadPlan) -> tuple[bytes, ChunkedDecoder]:
    decoder = ChunkedDecoder(plan)
    reads = [body] if isinstance(body, bytes) else body
    return b"".join(decode_chunked(reads, decoder)), decoder


@pytest.mark.parametrize("trailer", [False, True])
def test_aws_examples_decode(trailer: bool) -> None:
    data, decoder = decode(docs_body(trailer), docs_plan(trailer))
    assert data == b"".join(DOCS_CHUNKS)
    if trailer:
        assert decoder.trailing == s3_chunked.TrailingChecksum(ChecksumAlgorithm.CRC32C, "sOO8/Q==")
    else:
        assert decoder.trailing is None


@settings(max_examples=60, deadline=None)
@given(trailer=st.booleans(), cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_network_reads_may_split_anywhere(trailer: bool, cuts: list[int]) -> None:
    body = docs_body(trailer)
    data, _ = decode(splits(body, cuts), docs_plan(trailer))
    assert data == b"".join(DOCS_CHUNKS)


def test_byte_at_a_time_reads_decode() -> None:
    body = docs_body(True)
    small = body[:300] + body[-400:]  # the framing around the data, a byte at a time
    decoder = ChunkedDecoder(docs_plan(True))
    out = [p for i in range(300) for p in decoder.feed(small[i : i + 1])]
    out += decoder.feed(body[300:-400])
    out += [p for i in range(300, len(small)) for p in decoder.feed(small[i : i + 1])]
    decoder.finish()
    assert b"".join(out) == b"".join(DOCS_CHUNKS)


# --- streams signed here, seeded by botocore's S3 signer --------------------------------


def signing_key(secret: str, date: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign_stream(
    request: HttpRequest,
    chunks: list[bytes],
    trailers: list[tuple[str, str]] | None = None,
    secret: str = SECRET,
) -> bytes:
    stamp = request.headers["x-amz-date"]
    scope = f"{stamp[:8]}/{REGION}/s3/aws4_request"
    key = signing_key(secret, stamp[:8])
    previous = request.headers["authorization"].rsplit("Signature=", 1)[1]
    out = b""
    for data in [*chunks, b""]:
        text = "\n".join(
            ("AWS4-HMAC-SHA256-PAYLOAD", stamp, scope, previous, EMPTY,
             hashlib.sha256(data).hexdigest())
        )  # fmt: skip
        previous = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        out += f"{len(data):x};chunk-signature={previous}\r\n".encode()
        out += data + b"\r\n" if data else b""
    if trailers is not None:
        canonical = "".join(f"{n}:{v}\n" for n, v in trailers).encode()
        text = "\n".join(
            ("AWS4-HMAC-SHA256-TRAILER", stamp, scope, previous,
             hashlib.sha256(canonical).hexdigest())
        )  # fmt: skip
        signature = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        for name, value in [*trailers, ("x-amz-trailer-signature", signature)]:
            out += f"{name}:{value}\r\n".encode()
    return out + b"\r\n"


def test_the_signer_here_reproduces_aws_examples() -> None:
    for trailer in (False, True):
        request = docs_request(trailer)
        trailers = [("x-amz-checksum-crc32c", "sOO8/Q==")] if trailer else None
        assert sign_stream(request, list(DOCS_CHUNKS), trailers, DOCS_SECRET) == docs_body(trailer)


CHUNKS = [bytes(range(256)) * 40, b"z" * 8192, b"tail"]  # 10240 + 8192 + 4


def seed(
    length: int | None = None, trailer: str | None = None, **headers: str
) -> tuple[HttpRequest, datetime]:
    declared = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" + ("-TRAILER" if trailer else "")
    sent = {
        "Content-Encoding": "aws-chunked",
        "X-Amz-Decoded-Content-Length": str(sum(map(len, CHUNKS)) if length is None else length),
        **headers,
    }
    if trailer:
        sent["X-Amz-Trailer"] = trailer
    return s3_signed(key="big/object.bin", body=b"", headers=sent, payload=declared)


def test_a_signed_stream_decodes() -> None:
    request, now = seed()
    data, _ = decode(sign_stream(request, CHUNKS), plan_for(request, now))
    assert data == b"".join(CHUNKS)


@pytest.mark.parametrize(
    "algorithm",
    [
        ChecksumAlgorithm.CRC32,
        ChecksumAlgorithm.CRC32C,
        ChecksumAlgorithm.SHA1,
        ChecksumAlgorithm.SHA256,
    ],
)
def test_a_signed_trailer_decodes(algorithm: ChecksumAlgorithm) -> None:
    request, now = seed(trailer=checksums.header(algorithm))
    value = checksum(algorithm, b"".join(CHUNKS))
    body = sign_stream(request, CHUNKS, [(checksums.header(algorithm), value)])
    data, decoder = decode(body, plan_for(request, now))
    assert data == b"".join(CHUNKS)
    assert decoder.trailing == s3_chunked.TrailingChecksum(algorithm, value)


def test_a_flipped_byte_is_refused_before_the_chunk_is_handed_on() -> None:
    request, now = seed()
    body = bytearray(sign_stream(request, CHUNKS))
    body[200] ^= 0x01  # inside the first chunk's data
    decoder = ChunkedDecoder(plan_for(request, now))
    with pytest.raises(SignatureDoesNotMatchError):
        decoder.feed(bytes(body))
    head = bytes(body[:5000])
    fresh = ChunkedDecoder(plan_for(request, now))
    assert fresh.feed(head) == []  # no unverified byte leaves the decoder


def test_reordered_chunks_are_refused() -> None:
    request, now = seed()
    body = sign_stream(request, CHUNKS)
    first_end = body.index(b"\r\n", body.index(b"\r\n") + 2 + len(CHUNKS[0])) + 2
    second_end = body.index(b"\r\n", body.index(b"\r\n", first_end) + 2 + len(CHUNKS[1])) + 2
    swapped = body[first_end:second_end] + body[:first_end] + body[second_end:]
    with pytest.raises(SignatureDoesNotMatchError):
        decode(swapped, plan_for(request, now))


def test_a_stream_signed_with_another_key_is_refused() -> None:
    request, now = seed()
    with pytest.raises(SignatureDoesNotMatchError):
        decode(sign_stream(request, CHUNKS, secret=SECRET + "x"), plan_for(request, now))


@pytest.mark.parametrize("cut", [1, 10, 100, 5000, -3, -1])
def test_a_truncated_stream_is_incomplete(cut: int) -> None:
    request, now = seed()
    body = sign_stream(request, CHUNKS)
    kept = body[:cut]  # from the front, or short of the end
    with pytest.raises(IncompleteBodyError, match="terminated unexpectedly"):
        decode(kept, plan_for(request, now))


@pytest.mark.parametrize("declared", [sum(map(len, CHUNKS)) + 1, sum(map(len, CHUNKS)) - 1, 0])
def test_a_wrong_decoded_length_is_refused(declared: int) -> None:
    request, now = seed(length=declared)
    with pytest.raises(IncompleteBodyError, match="number of bytes"):
        decode(sign_stream(request, CHUNKS), plan_for(request, now))


def test_only_the_last_chunk_may_be_small() -> None:
    chunks = [b"x" * 100, b"y" * 9000]
    request, now = seed(length=9100)
    with pytest.raises(InvalidChunkSizeError) as caught:
        decode(sign_stream(request, chunks), plan_for(request, now))
    assert caught.value.http_status == 403
    assert caught.value.wire_fields() == {"Chunk": "1", "BadChunkSize": "100"}


def test_a_bad_trailer_checksum_is_a_bad_digest() -> None:
    request, now = seed(trailer="x-amz-checksum-crc32")
    wrong = checksum(ChecksumAlgorithm.CRC32, b"something else")
    body = sign_stream(request, CHUNKS, [("x-amz-checksum-crc32", wrong)])
    with pytest.raises(BadDigestError, match="The CRC32 you specified did not match"):
        decode(body, plan_for(request, now))


def test_a_changed_trailer_breaks_the_trailer_signature() -> None:
    request, now = seed(trailer="x-amz-checksum-sha256")
    value = checksum(ChecksumAlgorithm.SHA256, b"".join(CHUNKS))
    body = sign_stream(request, CHUNKS, [("x-amz-checksum-sha256", value)])
    other = checksum(ChecksumAlgorithm.SHA256, b"other")
    with pytest.raises(SignatureDoesNotMatchError):
        decode(body.replace(value.encode(), other.encode()), plan_for(request, now))
    unsigned = body[: body.index(b"x-amz-trailer-signature")] + b"\r\n"
    with pytest.raises(SignatureDoesNotMatchError):
        decode(unsigned, plan_for(request, now))


@pytest.mark.parametrize(
    "trailers",
    [[], [("x-amz-checksum-crc32c", "AAAAAA==")], [("x-amz-meta-a", "b")]],
)
def test_a_missing_or_unannounced_trailer_is_malformed(trailers: list[tuple[str, str]]) -> None:
    request, now = seed(trailer="x-amz-checksum-crc32")
    with pytest.raises(MalformedTrailerError):
        decode(sign_stream(request, CHUNKS, trailers), plan_for(request, now))


def test_framing_errors_are_refused() -> None:
    request, now = seed()
    body = sign_stream(request, CHUNKS)
    with pytest.raises(InvalidRequestError, match="after its final chunk"):
        decode(body + b"0\r\n", plan_for(request, now))
    with pytest.raises(IncompleteBodyError):  # a size line that is no size line
        decode(b"zz;chunk-signature=" + b"0" * 64 + b"\r\n", plan_for(request, now))
    with pytest.raises(IncompleteBodyError):  # an endless size line
        ChunkedDecoder(plan_for(request, now)).feed(b"1" * 10_000)
    with pytest.raises(IncompleteBodyError):  # data not followed by CRLF
        decode(body.replace(CHUNKS[0] + b"\r\n", CHUNKS[0] + b"XX", 1), plan_for(request, now))


def test_the_async_decoder_decodes_and_refuses() -> None:
    request, now = seed()
    body = sign_stream(request, CHUNKS)

    async def reads(data: bytes) -> AsyncIterator[bytes]:
        for i in range(0, len(data), 1000):
            yield data[i : i + 1000]

    async def collect(data: bytes) -> bytes:
        decoder = ChunkedDecoder(plan_for(request, now))
        return b"".join([p async for p in decode_chunked_async(reads(data), decoder)])

    assert asyncio.run(collect(body)) == b"".join(CHUNKS)
    with pytest.raises(IncompleteBodyError):
        asyncio.run(collect(body[:-2]))


def test_a_refused_stream_stays_refused() -> None:
    request, now = seed()
    body = bytearray(sign_stream(request, CHUNKS))
    body[200] ^= 0x01
    decoder = ChunkedDecoder(plan_for(request, now))
    with pytest.raises(SignatureDoesNotMatchError):
        decoder.feed(bytes(body))
    with pytest.raises(IncompleteBodyError):  # the rest of the body decodes to nothing
        decoder.feed(sign_stream(request, CHUNKS))
    with pytest.raises(IncompleteBodyError):
        decoder.finish()
