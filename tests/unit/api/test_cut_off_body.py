"""A request whose body never arrives in full runs nothing: not even an operation whose
payload is not signed may act on part of a body."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stockade.kernel import Trace
from tests.support.inprocess import ENDPOINT, REGION, InProcessServer


class _BodyKeepingQueryAuth(S3SigV4QueryAuth):  # type: ignore[misc]
    """A presigned URL over a body that stays the body (botocore's own presigner would move a
    body into the query string), its hash UNSIGNED-PAYLOAD."""

    def _modify_request_before_signing(self, request: AWSRequest) -> None:
        body, request.data = request.data, b""
        try:
            super()._modify_request_before_signing(request)
        finally:
            request.data = body


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path / "data") as running:
        yield running


def test_a_body_cut_off_is_refused_before_anything_runs(server: InProcessServer) -> None:
    assert server.built is not None
    assert server.built.kernel is not None
    traces: list[Trace] = []
    server.built.kernel.observe(traces.append)
    url = server.client("sqs").create_queue(QueueName="cut")["QueueUrl"]
    # Presigned, so the payload is not signed; and a prefix of the body is a whole request.
    whole = f'{{"QueueUrl": "{url}", "MessageBody": "partial"}}'.encode()
    body = whole + b" " * 4096
    request = AWSRequest(
        "POST",
        f"{ENDPOINT}/",
        data=body,
        headers={
            "X-Amz-Target": "AmazonSQS.SendMessage",
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD",
        },
    )
    key, secret = server.admin_credentials()
    _BodyKeepingQueryAuth(Credentials(key, secret), "sqs", REGION, expires=300).add_auth(request)
    assert request.url is not None
    query = request.url.split("?", 1)[1]
    headers = [(k.lower().encode(), str(v).encode()) for k, v in request.headers.items()]
    headers.append((b"host", b"stockade.test"))
    scope = {"type": "http", "method": "POST", "scheme": "https", "path": "/",
             "raw_path": b"/", "query_string": query.encode(), "headers": headers,
             "client": ("127.0.0.1", 40000)}  # fmt: skip
    server.feed(scope, [{"type": "http.request", "body": whole, "more_body": True},
                        {"type": "http.disconnect"}])  # fmt: skip
    cut = traces[-1]
    assert cut.error is not None
    assert cut.error.code == "SerializationException"
    assert not cut.handled
    messages = server.client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=0)
    assert "Messages" not in messages
    # The same request, received whole, is accepted: the refusal was the cut, not the request.
    status, _, answer = server.feed(scope, [{"type": "http.request", "body": body}])
    assert status == 200, answer
