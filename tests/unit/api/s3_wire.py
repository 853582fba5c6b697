"""Real S3 requests for the S3 SigV4 tests: botocore's own signers, and the exact bytes boto3
puts on the wire, captured by a one-request loopback listener (plain HTTP or TLS)."""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import boto3
import h11
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from stockade.api import s3_sigv4
from stockade.api.http import HttpRequest

KEY = "AKIAEXAMPLEEXAMPLE00"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
CAPTURE_TIMEOUT_S = 10.0
MAX_CAPTURE = 64 * 1024 * 1024


def to_http(request: AWSRequest) -> HttpRequest:
    parts = urlsplit(request.url)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers.setdefault("host", parts.netloc)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    return HttpRequest(request.method, parts.path, parts.query, headers, body)


def plan_for(request: HttpRequest, now: datetime, secret: str = SECRET) -> s3_sigv4.PayloadPlan:
    claim = s3_sigv4.parse_s3_claim(request)
    assert claim is not None
    return s3_sigv4.verify_s3_request(request, claim, secret, REGION, now)


class DeclaredPayloadAuth(S3SigV4Auth):  # type: ignore[misc]  # botocore is untyped
    """botocore's S3 signer with x-amz-content-sha256 chosen by the test (botocore itself
    declares only a digest, UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER)."""

    def __init__(self, declared: str, credentials: Credentials, service: str, region: str) -> None:
        super().__init__(credentials, service, region)
        self.declared = declared

    def payload(self, request: AWSRequest) -> str:
        return self.declared


def s3_signed(
    key: str = "photos/a.jpg",
    method: str = "PUT",
    body: bytes = b"hello",
    headers: dict[str, str] | None = None,
    region: str = REGION,
    service: str = "s3",
    payload: str | None = None,
) -> tuple[HttpRequest, datetime]:
    # botocore quotes S3 keys itself (safe "/~") before signing; the path is signed as sent.
    url = f"http://127.0.0.1:9000/bucket/{quote(key, safe='/~')}"
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    credentials = Credentials(KEY, SECRET)
    if payload is None:
        S3SigV4Auth(credentials, service, region).add_auth(request)
    else:
        DeclaredPayloadAuth(payload, credentials, service, region).add_auth(request)
    return to_http(request), datetime.now(UTC)


@dataclass
class Captured:
    """One request as it arrived: head as signed, body as sent (HTTP framing removed)."""

    request: HttpRequest
    reads: list[bytes] = field(default_factory=list, repr=False)  # as they came off the socket

    @property
    def body(self) -> bytes:
        return b"".join(self.reads)


@dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    ca_file: Path


def local_tls(directory: Path) -> Tls:
    """A throwaway CA-less certificate for 127.0.0.1 (the client trusts it directly)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file = directory / "cert.pem"
    key_file = directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return Tls(context, cert_file)


def _serve_one(listener: socket.socket, tls: Tls | None, into: list[Captured]) -> None:
    conn, _ = listener.accept()
    if tls is not None:
        conn = tls.server.wrap_socket(conn, server_side=True)
    conn.settimeout(CAPTURE_TIMEOUT_S)
    with conn:
        wire = h11.Connection(h11.SERVER)
        head: h11.Request | None = None
        reads: list[bytes] = []
        total = 0
        while total < MAX_CAPTURE:
            event = wire.next_event()
            if event is h11.NEED_DATA:
                data = conn.recv(65536)
                total += len(data)
                wire.receive_data(data)
                continue
            if isinstance(event, h11.Request):
                head = event
                if wire.they_are_waiting_for_100_continue:
                    conn.sendall(
                        wire.send(h11.InformationalResponse(status_code=100, headers=[])) or b""
                    )
            elif isinstance(event, h11.Data):
                reads.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage) or event is h11.PAUSED:
                break
        assert head is not None
        response = h11.Response(status_code=200, headers=[("ETag", '"0"'), ("Content-Length", "0")])
        conn.sendall((wire.send(response) or b"") + (wire.send(h11.EndOfMessage()) or b""))
    headers: dict[str, str] = {}
    for name, value in head.headers:
        key = name.decode().lower()
        headers[key] = f"{headers[key]},{value.decode()}" if key in headers else value.decode()
    target = head.target.decode()
    path, _, query = target.partition("?")
    request = HttpRequest(head.method.decode(), path, query, headers, b"")
    into.append(Captured(request, reads))


@contextmanager
def capture(tls: Tls | None = None) -> Iterator[tuple[str, list[Captured]]]:
    """An endpoint URL that takes one request and answers 200; the captured request lands in
    the list once the client has its answer."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(CAPTURE_TIMEOUT_S)
    captured: list[Captured] = []
    thread = threading.Thread(target=_serve_one, args=(listener, tls, captured), daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://127.0.0.1:{listener.getsockname()[1]}", captured
    finally:
        thread.join(CAPTURE_TIMEOUT_S)
        listener.close()


def s3_client(endpoint: str, tls: Tls | None = None, **s3_config: Any) -> Any:
    checksums = s3_config.pop("checksums", "when_supported")
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        verify=str(tls.ca_file) if tls else False,
        config=Config(
            s3={"addressing_style": "path", **s3_config},
            retries={"max_attempts": 1},
            request_checksum_calculation=checksums,
        ),
    )


def put_object_wire(tls: Tls | None, body: bytes, **kwargs: Any) -> Captured:
    """What boto3's put_object sends, exactly, with `kwargs` as client or call options."""
    s3_config = {k: kwargs.pop(k) for k in ("payload_signing_enabled", "checksums") if k in kwargs}
    with capture(tls) as (endpoint, captured):
        client = s3_client(endpoint, tls, **s3_config)
        client.put_object(
            Bucket="bucket", Key=kwargs.pop("Key", "dir/a key.txt"), Body=body, **kwargs
        )
        client.close()
    assert len(captured) == 1
    return captured[0]


def aws_cli_cp_wire(tls: Tls, body: bytes, directory: Path) -> Captured:
    """What `aws s3 cp FILE s3://bucket/KEY` sends, exactly (one PutObject for a small file)."""
    source = directory / "upload.bin"
    source.write_bytes(body)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(directory),
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    aws = Path(sys.executable).parent / "aws"
    with capture(tls) as (endpoint, captured):
        done = subprocess.run(
            [str(aws), "s3", "cp", str(source), "s3://bucket/cli/upload.bin",
             "--endpoint-url", endpoint, "--ca-bundle", str(tls.ca_file)],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-500:]
    assert len(captured) == 1
    return captured[0]


JS_PUT = r"""
const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
const { Readable } = require("stream");
const [endpoint, region, key, secret, pieces, size, bufferSize] = process.argv.slice(1);
const client = new S3Client({
  endpoint, region, forcePathStyle: true,
  credentials: { accessKeyId: key, secretAccessKey: secret },
  ...(bufferSize === "0" ? {} : { requestStreamBufferSize: Number(bufferSize) }),
});
async function main() {
  const data = Buffer.alloc(Number(size), 0x61);
  const piece = Number(pieces);
  const Body = piece === 0 ? data : Readable.from(
    Array.from({ length: Math.ceil(data.length / piece) },
               (_, i) => data.subarray(i * piece, (i + 1) * piece)));
  await client.send(new PutObjectCommand({
    Bucket: "bucket", Key: "js/object.bin", Body, ContentLength: data.length,
    ChecksumAlgorithm: "CRC32" }));
  console.log("sent");
}
main().catch((e) => { console.error(String(e)); process.exit(1); });
"""


def js_put_wire(tls: Tls, sdk: Path, size: int, pieces: int = 0, buffer_size: int = 0) -> Captured:
    """What the JavaScript SDK v3's PutObject sends: a Buffer body (`pieces` 0) or a stream
    read in `pieces`-byte parts, optionally buffered by the SDK to `buffer_size`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["NODE_PATH"] = str(sdk / "node_modules")
    env["NODE_EXTRA_CA_CERTS"] = str(tls.ca_file)
    with capture(tls) as (endpoint, captured):
        done = subprocess.run(
            ["node", "-e", JS_PUT, "--", endpoint, REGION, KEY, SECRET,
             str(pieces), str(size), str(buffer_size)],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-500:]
    assert len(captured) == 1
    return captured[0]
