from __future__ import annotations

import asyncio
import json

from stockade.sandbox.runtime_api import routes
from stockade.sandbox.runtime_api.session import (
    Invocation,
    Outcome,
    Reply,
    RuntimePhase,
    RuntimeSession,
)


def invocation(rid: str = "r1") -> Invocation:
    return Invocation(rid, 1, "arn:aws:lambda:us-east-1:123456789012:function:f", b"{}")


def test_first_next_completes_init_and_parks_until_delivery() -> None:
    async def scenario() -> None:
        session = RuntimeSession()
        waiting = session.next_invocation()
        assert isinstance(waiting, asyncio.Future)
        assert session.init_result.result() is None
        assert not waiting.done()
        session.deliver(invocation())
        assert waiting.result().request_id == "r1"

    asyncio.run(scenario())


def test_response_settles_the_invocation() -> None:
    async def scenario() -> None:
        session = RuntimeSession()
        session.next_invocation()
        outcome = session.deliver(invocation())
        reply = session.post_response("r1", b'"ok"')
        assert reply.status == 202
        assert outcome.result() == Outcome(b'"ok"', None)
        assert session.phase is RuntimePhase.READY

    asyncio.run(scenario())


def test_response_for_another_request_id_is_rejected_without_state_change() -> None:
    async def scenario() -> None:
        session = RuntimeSession()
        session.next_invocation()
        outcome = session.deliver(invocation())
        reply = session.post_response("other", b"x")
        assert reply.status == 400
        assert json.loads(reply.body)["errorType"] == "InvalidRequestID"
        assert not outcome.done()
        assert session.phase is RuntimePhase.INVOKING

    asyncio.run(scenario())


def test_second_response_for_the_same_invocation_is_rejected() -> None:
    async def scenario() -> None:
        session = RuntimeSession()
        session.next_invocation()
        session.deliver(invocation())
        assert session.post_response("r1", b"1").status == 202
        assert session.post_response("r1", b"2").status == 400

    asyncio.run(scenario())


def test_error_post_takes_its_type_from_the_header_or_the_body() -> None:
    async def scenario() -> None:
        session = RuntimeSession()
        session.next_invocation()
        outcome = session.deliver(invocation())
        body = json.dumps({"errorMessage": "m", "errorType": "ValueError"}).encode()
        session.post_error("r1", body, None)
        assert outcome.result().error_type == "ValueError"
        assert outcome.result().is_error

    asyncio.run(scenario())


def test_init_error_is_only_accepted_during_init() -> None:
    async def scenario() -> None:
        session = RuntimeSession()
        assert session.post_init_error(b"{}", "Runtime.ImportModuleError").status == 202
        init = session.init_result.result()
        assert init is not None
        assert init.error_type == "Runtime.ImportModuleError"
        ready = RuntimeSession()
        ready.next_invocation()
        assert ready.post_init_error(b"{}", None).status == 403

    asyncio.run(scenario())


def test_oversized_response_becomes_lambdas_size_error() -> None:
    async def scenario() -> None:
        session = RuntimeSession()
        session.next_invocation()
        outcome = session.deliver(invocation())
        reply = session.response_too_large("r1")
        assert reply.status == 413
        assert outcome.result().error_type == "Function.ResponseSizeTooLarge"

    asyncio.run(scenario())


def test_routes_cover_the_four_runtime_api_calls() -> None:
    base = "/2018-06-01/runtime"
    names = {
        ("GET", f"{base}/invocation/next"): "next",
        ("POST", f"{base}/invocation/abc-1/response"): "response",
        ("POST", f"{base}/invocation/abc-1/error"): "error",
        ("POST", f"{base}/init/error"): "init_error",
    }
    for (method, path), name in names.items():
        found = routes.match(method, path)
        assert not isinstance(found, Reply)
        assert found[0].name == name
    missing = routes.match("GET", f"{base}/nope")
    assert isinstance(missing, Reply)
    assert missing.status == 404
    wrong_method = routes.match("GET", f"{base}/init/error")
    assert isinstance(wrong_method, Reply)
    assert wrong_method.status == 405


def test_invocation_headers_carry_lambdas_names() -> None:
    inv = Invocation(
        "r",
        99,
        "arn",
        b"",
        trace_id="Root=1-a",
        client_context_json='{"a":1}',
        cognito_identity_json='{"cognitoIdentityId":"x"}',
    )
    headers = routes.invocation_headers(inv)
    assert headers["Lambda-Runtime-Aws-Request-Id"] == "r"
    assert headers["Lambda-Runtime-Deadline-Ms"] == "99"
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == "arn"
    assert headers["Lambda-Runtime-Trace-Id"] == "Root=1-a"
    assert headers["Lambda-Runtime-Client-Context"] == '{"a":1}'
    assert headers["Lambda-Runtime-Cognito-Identity"] == '{"cognitoIdentityId":"x"}'


def test_client_context_is_decoded_from_base64_and_bad_input_dropped() -> None:
    assert routes.client_context_header("eyJhIjogMX0=") == '{"a":1}'
    assert routes.client_context_header("not base64!") is None
    assert routes.trace_header("bad\r\nvalue") is None
