from __future__ import annotations

from stockade.sandbox.guest_env import GuestLayout, lambda_environment, user_keys_overridden
from stockade.sandbox.spec import Runtime
from tests.sandbox.support import make_spec, make_zip

CODE = make_zip({"app.py": ""})


def test_reserved_variables_override_the_users() -> None:
    spec = make_spec(CODE, environment={"AWS_REGION": "mars-1", "_HANDLER": "x", "MINE": "1"})
    env = lambda_environment(spec, "stream", GuestLayout())
    assert env["AWS_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "app.handler"
    assert env["MINE"] == "1"
    assert user_keys_overridden(spec.environment, env) == ["AWS_REGION", "_HANDLER"]


def test_python_guest_gets_the_runtime_dir_and_sdk_endpoint() -> None:
    env = lambda_environment(make_spec(CODE), "s", GuestLayout())
    assert env["PYTHONPATH"] == "/var/runtime"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9000"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == "s"


def test_node_guest_gets_node_path_and_custom_runtime_no_execution_env() -> None:
    node = lambda_environment(make_spec(CODE, runtime=Runtime.NODEJS20), "s", GuestLayout())
    assert "/opt/nodejs/node_modules" in node["NODE_PATH"]
    custom = lambda_environment(
        make_spec(CODE, runtime=Runtime.PROVIDED_AL2023), "s", GuestLayout(sdk_endpoint=None)
    )
    assert "AWS_EXECUTION_ENV" not in custom
    assert "AWS_ENDPOINT_URL" not in custom
