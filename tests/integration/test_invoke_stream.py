"""InvokeWithResponseStream through boto3 against a real server: chunks arrive as produced.

AWS facts (Lambda developer guide, configuration-response-streaming; API reference,
InvokeWithResponseStream): the response is an `application/vnd.amazon.eventstream` of
PayloadChunk events ended by one InvokeComplete; Node functions stream with
`awslambda.streamifyResponse`; a function that does not stream answers with its whole payload.
Stockade's extension: a Python handler that is a generator streams what it yields.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.journal import journalled, select_data_events, selectors_kept
from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

MB = 1024 * 1024
PIECES = 5
PIECE_BYTES = 4 * MB  # 5 pieces: a 20 MB response
PAUSE_S = 0.6  # between pieces: the function runs for at least 2.4 s

PY_STREAMING = f"""
import time

def handler(event, context):
    for i in range({PIECES}):
        if i:
            time.sleep({PAUSE_S})
        # Each piece says when it was produced (wall clock, 20 bytes), then its filler.
        yield f"{{time.time():<20.6f}}".encode() + bytes([65 + i]) * ({PIECE_BYTES} - 20)

def failing(event, context):
    yield "first part, "
    time.sleep(0.2)
    raise ValueError("broke after the first part")

def whole(event, context):
    print("whole got", event)
    return {{"whole": event}}
"""

NODE_STREAMING = f"""
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {{
  responseStream.setContentType("application/octet-stream");
  for (let i = 0; i < {PIECES}; i++) {{
    if (i) await sleep({int(PAUSE_S * 1000)});
    const piece = Buffer.alloc({PIECE_BYTES}, 65 + i);
    piece.write((Date.now() / 1000).toFixed(6).padEnd(20));
    await new Promise((r) => responseStream.write(piece, r));
  }}
  responseStream.end();
}});
exports.failing = awslambda.streamifyResponse(async (event, responseStream) => {{
  responseStream.write("first part, ");
  await sleep(200);
  throw new TypeError("broke after the first part");
}});
exports.http = awslambda.streamifyResponse(async (event, responseStream) => {{
  const stream = awslambda.HttpResponseStream.from(responseStream, {{ statusCode: 201 }});
  stream.write("body");
  stream.end();
}});
"""


def create(
    server: RunningServer, code: bytes, runtime: str, handler: str, timeout: int = 30
) -> str:
    lam = server.client("lambda")
    name = f"stream-{uuid.uuid4().hex[:10]}"
    lam.create_function(FunctionName=name, Runtime=runtime, Handler=handler, Timeout=timeout,
                        MemorySize=256,
                        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                        Code={"ZipFile": code})  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def stream(server: RunningServer, name: str, **extra: Any) -> tuple[dict[str, Any], list[Any]]:
    """The reply and its events as (arrival time, event), timed at the client."""
    reply: dict[str, Any] = server.client("lambda").invoke_with_response_stream(
        FunctionName=name, Payload=json.dumps({"k": "v"}).encode(), **extra
    )
    events = [(time.time(), event) for event in reply.pop("EventStream")]
    return reply, events


def chunks(events: list[Any]) -> list[tuple[float, bytes]]:
    return [(at, e["PayloadChunk"]["Payload"]) for at, e in events if "PayloadChunk" in e]


def completion(events: list[Any]) -> dict[str, Any]:
    assert "InvokeComplete" in events[-1][1], "the stream must end with InvokeComplete"
    assert sum("InvokeComplete" in e for _, e in events) == 1
    done: dict[str, Any] = events[-1][1]["InvokeComplete"]
    return done


@pytest.fixture(scope="module")
def python_code() -> bytes:
    return make_zip({"app.py": PY_STREAMING})


@pytest.fixture(scope="module")
def node_code() -> bytes:
    return make_zip({"index.js": NODE_STREAMING})


def check_streamed_20_mb(events: list[Any]) -> None:
    received = chunks(events)
    body = b"".join(data for _, data in received)
    assert len(body) == PIECES * PIECE_BYTES
    pieces = [body[i * PIECE_BYTES : (i + 1) * PIECE_BYTES] for i in range(PIECES)]
    assert [p[20:] == bytes([65 + i]) * (PIECE_BYTES - 20) for i, p in enumerate(pieces)] == (
        [True] * PIECES
    )
    produced = [float(p[:20]) for p in pieces]
    assert len(received) >= PIECES  # several chunks, not one buffered payload
    assert completion(events) == {}  # success: no ErrorCode
    # The first chunk reached the client (client-side arrival time) well before the function
    # produced its last piece: the response was not buffered until the function finished.
    first_at = received[0][0]
    assert first_at < produced[-1] - (PIECES - 1) * PAUSE_S * 0.5
    # Past the first 6 MB, Lambda's 2 MBps: the other 14 MiB take at least about 7 s.
    assert events[-1][0] - first_at >= (PIECES * PIECE_BYTES - 6 * MB) / (2 * MB) * 0.85


@pytest.mark.slow
def test_python_generator_streams_20_mb_as_it_is_produced(
    server: RunningServer, python_code: bytes
) -> None:
    name = create(server, python_code, "python3.11", "app.handler")
    reply, events = stream(server, name)
    assert reply["StatusCode"] == 200
    assert reply["ExecutedVersion"] == "$LATEST"
    assert reply["ResponseStreamContentType"] == "application/vnd.amazon.eventstream"
    check_streamed_20_mb(events)


@pytest.mark.slow
def test_node_stream_streams_20_mb_as_it_is_produced(
    server: RunningServer, node_code: bytes
) -> None:
    name = create(server, node_code, "nodejs20.x", "index.handler")
    reply, events = stream(server, name)
    assert reply["StatusCode"] == 200
    check_streamed_20_mb(events)


@pytest.mark.parametrize(
    ("runtime", "handler", "error_type"),
    [("python3.11", "app.failing", "ValueError"), ("nodejs20.x", "index.failing", "TypeError")],
)
def test_an_error_mid_stream_ends_it_with_invoke_complete_error(
    server: RunningServer, python_code: bytes, node_code: bytes,
    runtime: str, handler: str, error_type: str,
) -> None:  # fmt: skip
    code = python_code if runtime == "python3.11" else node_code
    name = create(server, code, runtime, handler)
    reply, events = stream(server, name, LogType="Tail")
    assert reply["StatusCode"] == 200
    assert b"".join(data for _, data in chunks(events)) == b"first part, "
    done = completion(events)
    assert done["ErrorCode"] == error_type
    details = json.loads(done["ErrorDetails"])
    assert details["errorType"] == error_type
    assert details["errorMessage"] == "broke after the first part"
    assert "broke after the first part" in base64.b64decode(done["LogResult"]).decode()


def test_a_handler_that_does_not_stream_answers_in_one_chunk(
    server: RunningServer, python_code: bytes
) -> None:
    name = create(server, python_code, "python3.11", "app.whole")
    _, events = stream(server, name, LogType="Tail")
    (only,) = chunks(events)
    assert json.loads(only[1]) == {"whole": {"k": "v"}}
    done = completion(events)
    assert "ErrorCode" not in done
    assert "whole got" in base64.b64decode(done["LogResult"]).decode()


def test_http_response_stream_prelude_reaches_the_client(
    server: RunningServer, node_code: bytes
) -> None:
    name = create(server, node_code, "nodejs20.x", "index.http")
    _, events = stream(server, name)
    body = b"".join(data for _, data in chunks(events))
    prelude, _, rest = body.partition(b"\0" * 8)
    assert json.loads(prelude) == {"statusCode": 201}
    assert rest == b"body"


def test_dry_run_and_refusals(server: RunningServer, python_code: bytes) -> None:
    lam = server.client("lambda")
    name = create(server, python_code, "python3.11", "app.whole")
    dry = lam.invoke_with_response_stream(FunctionName=name, InvocationType="DryRun")
    assert dry["StatusCode"] == 204
    with pytest.raises(ClientError) as missing:
        lam.invoke_with_response_stream(FunctionName=f"{name}-missing")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as not_json:
        lam.invoke_with_response_stream(FunctionName=name, Payload=b"{not json")
    assert not_json.value.response["Error"]["Code"] == "InvalidRequestContentException"


@pytest.fixture(autouse=True)
def _selectors_restored(server: RunningServer) -> Iterator[None]:
    with selectors_kept(server):
        yield


SECRET_HANDLER = """
def handler(event, context):
    yield "secret-in-response " + event["card"]
"""


def test_the_data_event_is_journalled_before_invoke_complete(server: RunningServer) -> None:
    name = create(server, make_zip({"app.py": SECRET_HANDLER}), "python3.11", "app.handler")
    arn = server.client("lambda").get_function_configuration(FunctionName=name)["FunctionArn"]
    select_data_events(server, arn)
    reply = server.client("lambda").invoke_with_response_stream(
        FunctionName=name, Payload=b'{"card": "4111-secret"}'
    )
    request_id = reply["ResponseMetadata"]["RequestId"]
    seen: list[Any] = []
    on_disk_at_completion: list[dict[str, Any]] = []
    for event in reply["EventStream"]:
        seen.append(event)
        if "InvokeComplete" in event:
            on_disk_at_completion = journalled(server, request_id)
    assert b"".join(e["PayloadChunk"]["Payload"] for e in seen if "PayloadChunk" in e) == (
        b"secret-in-response 4111-secret"
    )
    (record,) = on_disk_at_completion
    assert record["eventName"] == "InvokeWithResponseStream"
    assert record["eventCategory"] == "Data"
    assert record["managementEvent"] is False
    assert record["requestParameters"]["FunctionName"] == name
    assert "4111" not in json.dumps(record)  # neither the request's nor the response's payload


def test_a_client_that_leaves_mid_stream_is_still_audited(server: RunningServer) -> None:
    slow = """
import time

def handler(event, context):
    for i in range(20):
        yield "x" * 1000
        time.sleep(0.1)
"""
    name = create(server, make_zip({"app.py": slow}), "python3.11", "app.handler")
    arn = server.client("lambda").get_function_configuration(FunctionName=name)["FunctionArn"]
    select_data_events(server, arn)
    reply = server.client("lambda").invoke_with_response_stream(FunctionName=name)
    request_id = reply["ResponseMetadata"]["RequestId"]
    events = iter(reply["EventStream"])
    assert "PayloadChunk" in next(events)
    reply["EventStream"].close()  # the client goes away mid-stream
    deadline = time.monotonic() + 10
    found: list[dict[str, Any]] = []
    while not found and time.monotonic() < deadline:
        found = journalled(server, request_id)
        time.sleep(0.1)
    (record,) = found
    assert record["eventName"] == "InvokeWithResponseStream"
    assert record["additionalEventData"]["streamAbandoned"] is True
    # The function is not stopped (as on Lambda): the next invocation still answers.
    _, again = stream(server, name)
    assert len(b"".join(data for _, data in chunks(again))) == 20 * 1000


def test_request_payloads_up_to_6_mb_are_accepted(server: RunningServer) -> None:
    echo = "def handler(event, context):\n    yield str(len(event['pad']))\n"
    name = create(server, make_zip({"app.py": echo}), "python3.11", "app.handler")
    lam = server.client("lambda")
    pad = "p" * (2 * MB)  # past the edge's 1 MB default: Invoke's own 6 MB quota applies
    reply = lam.invoke_with_response_stream(FunctionName=name, Payload=json.dumps({"pad": pad}))
    events = list(reply["EventStream"])
    assert events[0]["PayloadChunk"]["Payload"] == str(2 * MB).encode()
    with pytest.raises(ClientError) as too_large:
        lam.invoke_with_response_stream(
            FunctionName=name, Payload=json.dumps({"pad": "p" * (6 * MB)})
        )
    assert too_large.value.response["Error"]["Code"] == "RequestTooLargeException"


def test_a_timeout_mid_stream_ends_it_with_sandbox_timedout(server: RunningServer) -> None:
    slow = "import time\n\ndef handler(event, context):\n    yield 'started'\n    time.sleep(30)\n"
    name = create(server, make_zip({"app.py": slow}), "python3.11", "app.handler", timeout=1)
    _, events = stream(server, name)
    assert b"".join(data for _, data in chunks(events)) == b"started"
    done = completion(events)
    assert done["ErrorCode"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in done["ErrorDetails"]


def test_plain_invoke_of_a_streaming_function_gets_it_buffered(
    server: RunningServer, node_code: bytes, python_code: bytes
) -> None:
    lam = server.client("lambda")
    node = create(server, node_code, "nodejs20.x", "index.failing")
    failed = lam.invoke(FunctionName=node, Payload=b"{}")
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "broke after the first part"
    python = create(server, python_code, "python3.11", "app.failing")
    assert lam.invoke(FunctionName=python, Payload=b"{}")["FunctionError"] == "Unhandled"
    small = "def handler(event, context):\n    yield b'one, '\n    yield 'two'\n"
    name = create(server, make_zip({"app.py": small}), "python3.11", "app.handler")
    reply = lam.invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in reply
    assert reply["Payload"].read() == b"one, two"
