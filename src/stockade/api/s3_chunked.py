"""The `aws-chunked` body decoder: S3's streamed uploads, signed chunk by chunk or not, with or
without trailing checksums (S3 API Reference, "Signature Calculations for the Authorization
Header: Transferring Payload in Multiple Chunks" and "... Including Trailing Headers").

    <hex size>[;chunk-signature=<sig>]\\r\\n <data> \\r\\n     (repeated)
    0[;chunk-signature=<sig>]\\r\\n [<trailer>:<value>\\r\\n ...] \\r\\n

An explicit state machine fed network reads of any size. Memory stays bounded: a signed chunk is
held until its signature checks out (at most `MAX_SIGNED_CHUNK` bytes), so no unverified byte is
ever handed on; unsigned chunks pass straight through. The whole body is proven only when
`finish` returns: its length, its trailer checksum and the trailer's signature are checked last,
so whoever stores the bytes must not commit them before that.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum, auto
from typing import NoReturn

from stockade.api import checksums, sigv4
from stockade.api.s3_sigv4 import PayloadKind, PayloadPlan
from stockade.services.s3.errors import (
    BadDigestError,
    IncompleteBodyError,
    InvalidChunkSizeError,
    InvalidRequestError,
    MalformedTrailerError,
    S3Error,
    SignatureDoesNotMatchError,
)
from stockade.store.object_checksums import new_hasher
from stockade.store.object_ports import ChecksumAlgorithm

MIN_CHUNK = 8192  # every chunk but the last carries at least 8 KiB (S3's InvalidChunkSizeError)
MAX_SIGNED_CHUNK = 16 * 1024 * 1024  # held whole until verified; SDKs send 64 KiB to 1 MiB
MAX_LINE = 256  # a size line ("<16 hex>;chunk-signature=<64 hex>") or one trailer
MAX_TRAILERS = 4
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD"
_TRAILER_ALGORITHM = "AWS4-HMAC-SHA256-TRAILER"
_TRAILER_SIGNATURE = "x-amz-trailer-signature"
_SIGNED_SIZE = re.compile(rb"([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})\r\n")
_UNSIGNED_SIZE = re.compile(rb"([0-9a-fA-F]{1,16})\r\n")
_TRAILER = re.compile(rb"([A-Za-z0-9-]{1,64}):[ \t]*([\x21-\x7e]{1,128})[ \t]*\r\n")
_TRUNCATED = "The request body terminated unexpectedly"
_LENGTH = "You did not provide the number of bytes specified by the Content-Length HTTP header"


class _State(Enum):
    SIZE_LINE = auto()
    DATA = auto()
    DATA_END = auto()
    TRAILER = auto()
    DONE = auto()
    FAILED = auto()  # refused once, refused for good: nothing after a refusal is decoded


@dataclass(frozen=True)
class TrailingChecksum:
    """The checksum a trailer carried, already verified against the decoded body."""

    algorithm: ChecksumAlgorithm
    value: str  # base64, as S3 reports it back


class ChunkedDecoder:
    """Feed it network reads; it returns the decoded payload bytes they complete."""

    def __init__(self, plan: PayloadPlan) -> None:
        if not plan.kind.chunked or plan.decoded_length is None:
            raise ValueError("not an aws-chunked payload")
        self._plan = plan
        self._signed = plan.kind.signed_chunks
        self._expected = plan.decoded_length
        self._state = _State.SIZE_LINE
        self._line = bytearray()
        self._previous = plan.claim.signature  # the seed: the request's own signature
        self._chunk_signature = ""
        self._chunk = bytearray()  # a signed chunk's data, until verified
        self._chunk_hash = hashlib.sha256()
        self._remaining = 0  # bytes of the current chunk still to come
        self._chunks = 0
        self._last_size = -1
        self._decoded = 0
        self._checksum = new_hasher(plan.trailer) if plan.trailer else None
        self._trailers: dict[str, str] = {}
        self._trailer_text = bytearray()  # the trailers as signed: "name:value\n" each
        self.trailing: TrailingChecksum | None = None  # set by `finish`

    def feed(self, data: bytes) -> list[bytes]:
        if self._state is _State.FAILED:
            raise IncompleteBodyError(_TRUNCATED)
        try:
            return self._feed(data)
        except S3Error:
            self._state = _State.FAILED
            raise

    def _feed(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        pos, end = 0, len(data)
        while pos < end:
            if self._state is _State.DATA:
                take = min(self._remaining, end - pos)
                self._data(data[pos : pos + take], out)
                pos += take
                continue
            if self._state is _State.DONE:
                raise InvalidRequestError("The request body continues after its final chunk.")
            newline = data.find(b"\n", pos, min(end, pos + MAX_LINE + 1))
            if newline < 0:
                self._line += data[pos:end]
                if len(self._line) > MAX_LINE:
                    self._malformed()
                return out
            self._line += data[pos : newline + 1]
            pos = newline + 1
            line, self._line = bytes(self._line), bytearray()
            if len(line) > MAX_LINE:
                self._malformed()
            self._on_line(line, out)
        return out

    def finish(self) -> TrailingChecksum | None:
        """Call at the end of the body: raises unless it ended exactly where it should."""
        if self._state is not _State.DONE:
            raise IncompleteBodyError(_TRUNCATED)
        if self._plan.trailer is not None:
            value = self._trailers[checksums.header(self._plan.trailer)]
            self.trailing = TrailingChecksum(self._plan.trailer, value)
        return self.trailing

    # -- one step each -------------------------------------------------------------------

    def _data(self, piece: bytes, out: list[bytes]) -> None:
        self._remaining -= len(piece)
        self._decoded += len(piece)
        if self._checksum is not None:
            self._checksum.update(piece)
        if self._signed:
            self._chunk_hash.update(piece)
            self._chunk += piece
        else:
            out.append(piece)
        if self._remaining == 0:
            self._state = _State.DATA_END

    def _on_line(self, line: bytes, out: list[bytes]) -> None:
        if self._state is _State.SIZE_LINE:
            self._on_size(line)
        elif self._state is _State.DATA_END:
            if line != b"\r\n":
                self._malformed()
            if self._signed:
                self._verify_chunk()
                out.append(bytes(self._chunk))
                self._chunk.clear()
            self._state = _State.SIZE_LINE
        else:
            self._on_trailer(line)

    def _on_size(self, line: bytes) -> None:
        match = (_SIGNED_SIZE if self._signed else _UNSIGNED_SIZE).fullmatch(line)
        if match is None:
            self._malformed()
        size = int(match.group(1), 16)
        if self._signed:
            self._chunk_signature = match.group(2).decode("ascii")
        if size and 0 <= self._last_size < MIN_CHUNK:
            raise InvalidChunkSizeError(Chunk=str(self._chunks), BadChunkSize=str(self._last_size))
        if self._decoded + size > self._expected:
            raise IncompleteBodyError(_LENGTH)
        if self._signed and size > MAX_SIGNED_CHUNK:
            raise InvalidRequestError(
                f"A signed chunk may carry at most {MAX_SIGNED_CHUNK} bytes on this server."
            )
        self._chunks += 1
        self._last_size = size
        self._chunk_hash = hashlib.sha256()
        if size:
            self._remaining = size
            self._state = _State.DATA
            return
        if self._decoded != self._expected:
            raise IncompleteBodyError(_LENGTH)
        if self._signed:
            self._verify_chunk()  # the empty final chunk is signed too
        self._state = _State.TRAILER

    def _verify_chunk(self) -> None:
        expected = sigv4.sign(
            self._plan.key,
            sigv4.string_to_sign(
                _CHUNK_ALGORITHM,
                self._plan.claim,
                self._previous,
                EMPTY_SHA256,
                self._chunk_hash.hexdigest(),
            ),
        )
        if not hmac.compare_digest(expected.encode(), self._chunk_signature.encode()):
            raise SignatureDoesNotMatchError()
        self._previous = expected

    def _on_trailer(self, line: bytes) -> None:
        if line == b"\r\n":
            self._end_of_trailers()
            return
        match = _TRAILER.fullmatch(line)
        if match is None or len(self._trailers) >= MAX_TRAILERS:
            raise MalformedTrailerError()
        name = match.group(1).decode("ascii").lower()
        value = match.group(2).decode("ascii")
        declared = checksums.header(self._plan.trailer) if self._plan.trailer else None
        signature_allowed = self._plan.kind is PayloadKind.STREAMING_SIGNED_TRAILER
        if name in self._trailers or (
            name != declared and not (name == _TRAILER_SIGNATURE and signature_allowed)
        ):
            raise MalformedTrailerError()
        if name == _TRAILER_SIGNATURE and declared not in self._trailers:
            raise MalformedTrailerError()  # the signature signs what came before it
        self._trailers[name] = value
        if name != _TRAILER_SIGNATURE:
            self._trailer_text += f"{name}:{value}\n".encode("ascii")

    def _end_of_trailers(self) -> None:
        algorithm = self._plan.trailer
        if algorithm is not None:
            if checksums.header(algorithm) not in self._trailers:
                raise MalformedTrailerError()
            if self._plan.kind is PayloadKind.STREAMING_SIGNED_TRAILER:
                self._verify_trailer_signature()
            self._verify_checksum(algorithm, self._trailers[checksums.header(algorithm)])
        self._state = _State.DONE

    def _verify_trailer_signature(self) -> None:
        presented = self._trailers.get(_TRAILER_SIGNATURE)
        if presented is None:
            raise SignatureDoesNotMatchError()
        expected = sigv4.sign(
            self._plan.key,
            sigv4.string_to_sign(
                _TRAILER_ALGORITHM,
                self._plan.claim,
                self._previous,
                hashlib.sha256(bytes(self._trailer_text)).hexdigest(),
            ),
        )
        if not hmac.compare_digest(expected.encode(), presented.encode()):
            raise SignatureDoesNotMatchError()

    def _verify_checksum(self, algorithm: ChecksumAlgorithm, value: str) -> None:
        presented = checksums.decode_checksum(algorithm, value)
        if presented is None:
            raise InvalidRequestError(
                f"Value for {checksums.header(algorithm)} trailing header is invalid."
            )
        actual = self._checksum.digest() if self._checksum is not None else b""
        if not hmac.compare_digest(presented, actual):
            raise BadDigestError(
                f"The {algorithm.value} you specified did not match the calculated checksum."
            )

    def _malformed(self) -> NoReturn:
        if self._state is _State.TRAILER:
            raise MalformedTrailerError()
        raise IncompleteBodyError(_TRUNCATED)


def decode_chunked(reads: Iterable[bytes], decoder: ChunkedDecoder) -> Iterator[bytes]:
    """The decoded payload of a body read piece by piece; raises at the first bad byte, and at
    the end unless the whole body proved itself (then `decoder.trailing` holds its checksum)."""
    for read in reads:
        yield from decoder.feed(read)
    decoder.finish()


async def decode_chunked_async(
    reads: AsyncIterable[bytes], decoder: ChunkedDecoder
) -> AsyncIterator[bytes]:
    async for read in reads:
        for piece in decoder.feed(read):
            yield piece
    decoder.finish()
