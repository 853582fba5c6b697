"""Bad input gets Lambda's error code and status, never a 500 and never a half-written state.

Control-plane checks: the real composition in-process (tests/support/inprocess.py), boto3 and
raw requests through the whole ASGI app, no subprocess and no socket."""

from __future__ import annotations

import datetime
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError

from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO, make_zip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("validation") / "data") as running:
        yield running


def base(server: InProcessServer, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "FunctionName": f"v-{uuid.uuid4().hex[:10]}",
        "Runtime": "python3.11",
        "Role": f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        "Handler": "app.handler",
        "Code": {"ZipFile": PYTHON_ECHO},
    }
    params.update(extra)
    return params


def refused(server: InProcessServer, params: dict[str, Any]) -> tuple[str, int, str]:
    # Client-side validation off: the server must enforce every constraint on its own.
    lam = server.client("lambda", validate=False)
    with pytest.raises(ClientError) as exc:
        lam.create_function(**params)
    response = exc.value.response
    with pytest.raises(ClientError):  # nothing was half-written
        lam.get_function(FunctionName=params["FunctionName"])
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"MemorySize": 64}, "ValidationException"),
        ({"MemorySize": 10241}, "InvalidParameterValueException"),
        ({"Timeout": 0}, "ValidationException"),
        ({"Timeout": 901}, "InvalidParameterValueException"),
        ({"EphemeralStorage": {"Size": 511}}, "ValidationException"),
        ({"EphemeralStorage": {"Size": 10241}}, "InvalidParameterValueException"),
        # AWS answers a runtime outside the enum as a bad parameter (docs/conformance.md).
        ({"Runtime": "python3.99"}, "InvalidParameterValueException"),
        ({"Runtime": "java21"}, "InvalidParameterValueException"),
        ({"Handler": "no spaces allowed"}, "ValidationException"),
        ({"Handler": "nodot"}, "InvalidParameterValueException"),
        ({"FunctionName": "bad name!"}, "ValidationException"),
        ({"Role": "not-an-arn"}, "ValidationException"),
        ({"Architectures": ["arm64"]}, "InvalidParameterValueException"),
        ({"Environment": {"Variables": {"AWS_REGION": "x"}}}, "InvalidParameterValueException"),
        ({"Environment": {"Variables": {"BIG": "x" * 4100}}}, "InvalidParameterValueException"),
        ({"Environment": {"Variables": {"1BAD": "x"}}}, "ValidationException"),
        (
            {"Layers": [f"arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1" for i in range(6)]},
            "InvalidParameterValueException",
        ),
        (
            {"DeadLetterConfig": {"TargetArn": "arn:aws:sns:us-east-1:123456789012:q"}},
            "InvalidParameterValueException",
        ),
        (
            {"KMSKeyArn": "arn:aws:kms:us-east-1:123456789012:key/abc"},
            "InvalidParameterValueException",
        ),
        ({"PackageType": "Image"}, "InvalidParameterValueException"),
        ({"TracingConfig": {"Mode": "Active"}}, "InvalidParameterValueException"),
        ({"Code": {"S3Bucket": "bucket", "S3Key": "k"}}, "InvalidParameterValueException"),
    ],
)
def test_invalid_configuration_is_refused(
    server: InProcessServer, change: dict[str, Any], code: str
) -> None:
    got_code, status, _ = refused(server, base(server, **change))
    assert (got_code, status) == (code, 400)


def test_environment_values_never_appear_in_errors(server: InProcessServer) -> None:
    secret = "canary-" + uuid.uuid4().hex
    _, _, message = refused(
        server, base(server, Environment={"Variables": {"AWS_REGION": secret, "BIG": secret * 200}})
    )
    assert secret not in message
    _, _, message = refused(server, base(server, Environment={"Variables": {"BIG": secret * 200}}))
    assert secret not in message


def zip_with(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in entries:
            archive.writestr(info, content)
    return buffer.getvalue()


def symlink_entry() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("link")
    info.external_attr = (0o120777) << 16
    return info


@pytest.mark.parametrize(
    "package",
    [
        pytest.param(zip_with([("../escape.py", b"x")]), id="zip-slip"),
        pytest.param(zip_with([("/etc/passwd", b"x")]), id="absolute-path"),
        pytest.param(zip_with([(symlink_entry(), b"/etc/shadow")]), id="symlink"),
        pytest.param(b"PK\x03\x04 this is not really a zip", id="corrupt"),
        pytest.param(b"", id="empty"),
        pytest.param(zip_with([("bomb.bin", b"\0" * (263 * 1024 * 1024))]), id="zip-bomb"),
    ],
)
def test_hostile_archives_are_refused(server: InProcessServer, package: bytes) -> None:
    code, status, _ = refused(server, base(server, Code={"ZipFile": package}))
    assert (code, status) in {("InvalidParameterValueException", 400)}


def test_duplicate_entries_are_refused(server: InProcessServer) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", b"a")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("app.py", b"b")
    code, status, _ = refused(server, base(server, Code={"ZipFile": buffer.getvalue()}))
    assert (code, status) == ("InvalidParameterValueException", 400)


def raw(
    server: InProcessServer,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    sign: bool = True,
    secret: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], dict[str, Any]]:
    request = AWSRequest(method=method, url=f"{server.url}{path}", data=body, headers=headers or {})
    if sign:
        key, real_secret = server.credentials()
        server.sign(request, "lambda", key, secret or real_secret)
    status, reply_headers, payload = server.request(method, f"{server.url}{path}",
                                                    dict(request.headers), body)  # fmt: skip
    # HTTP header names are case-insensitive; compare them in lower case.
    lowered = {name.lower(): value for name, value in reply_headers.items()}
    return status, lowered, json.loads(payload) if payload else {}


def test_unsigned_request_is_refused(server: InProcessServer) -> None:
    status, headers, body = raw(server, "GET", "/2015-03-31/functions/", sign=False)
    assert status == 403
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    # Outside Lambda's model: AWS's request framework sends a bare lower-case `message`.
    assert list(body) == ["message"]
    assert body["message"]
    assert headers["x-amzn-requestid"]


def test_bad_signature_is_refused(server: InProcessServer) -> None:
    status, headers, _ = raw(server, "GET", "/2015-03-31/functions/", secret="wrong" * 8)
    assert (status, headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")


def test_unknown_access_key_is_refused(server: InProcessServer) -> None:
    lam = server.client("lambda", credentials=("AKIAUNKNOWNUNKNOWN00", "x" * 40))
    with pytest.raises(ClientError) as exc:
        lam.list_functions()
    assert exc.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_expired_timestamp_is_refused(
    server: InProcessServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sign correctly, but six minutes ago: outside the five-minute window.
    signed_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=6)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: signed_at)
    status, headers, body = raw(server, "GET", "/2015-03-31/functions/")
    assert (status, headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")
    assert "Signature expired" in body["message"]


def test_malformed_json_is_refused(server: InProcessServer) -> None:
    status, headers, _ = raw(server, "POST", "/2015-03-31/functions", b"{not json")
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")


def test_wrong_json_types_are_refused(server: InProcessServer) -> None:
    body = json.dumps({"FunctionName": "f", "Role": "r", "Code": {}, "MemorySize": "big"})
    status, headers, _ = raw(server, "POST", "/2015-03-31/functions", body.encode())
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")


def test_missing_required_members_are_validation_errors(server: InProcessServer) -> None:
    status, headers, body = raw(server, "POST", "/2015-03-31/functions", b"{}")
    assert (status, headers["x-amzn-errortype"]) == (400, "ValidationException")
    assert body["message"].startswith("3 validation errors detected:")


def test_unknown_route_is_an_error_not_a_crash(server: InProcessServer) -> None:
    status, headers, _ = raw(server, "GET", "/2015-03-31/nothing-here")
    assert status == 404
    assert headers["x-amzn-errortype"] == "UnknownOperationException"


def test_oversized_request_is_refused(server: InProcessServer) -> None:
    payload = json.dumps({"FunctionName": "f", "Code": {"ZipFile": "A" * 70_167_211}}).encode()
    status, headers, body = raw(server, "POST", "/2015-03-31/functions", payload)
    assert (status, headers["x-amzn-errortype"]) == (413, "RequestEntityTooLargeException")
    # Lambda's figure and wording (recorded AWS response).
    assert body["message"] == (
        "Request must be smaller than 70167211 bytes for the CreateFunction operation"
    )


def test_update_code_with_hostile_zip_leaves_function_unchanged(server: InProcessServer) -> None:
    lam = server.client("lambda")
    params = base(server)
    lam.create_function(**params)
    created = lam.get_function_configuration(FunctionName=params["FunctionName"])
    with pytest.raises(ClientError) as exc:
        lam.update_function_code(FunctionName=params["FunctionName"],
                                 ZipFile=zip_with([("../x", b"x")]))  # fmt: skip
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"
    after = lam.get_function_configuration(FunctionName=params["FunctionName"])
    assert (after["CodeSha256"], after["RevisionId"]) == (
        created["CodeSha256"],
        created["RevisionId"],
    )


def test_executable_bits_and_nested_dirs_are_accepted(server: InProcessServer) -> None:
    lam = server.client("lambda")
    package = make_zip(
        {"bootstrap": "#!/bin/sh\n", "lib/a/b.py": "x=1\n"}, executable=("bootstrap",)
    )
    created = lam.create_function(**base(server, Runtime="provided.al2023", Handler="any",
                                         Code={"ZipFile": package}))  # fmt: skip
    assert created["CodeSize"] == len(package)
