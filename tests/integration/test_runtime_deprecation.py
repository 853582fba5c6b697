"""Runtimes past Lambda's block dates are refused as Lambda refuses them, whether or not this
host could run them; deprecated runtimes not yet blocked still deploy."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_aws_cli import aws_error
from tests.support.packages import PYTHON_ECHO, make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

REFUSED = (
    "The runtime parameter of {runtime} is no longer supported for creating or updating AWS"
    " Lambda functions. We recommend you use a supported runtime while creating or updating"
    " functions."
)


def test_blocked_runtimes_are_refused_for_creation_and_update(
    server: RunningServer, tmp_path: Path
) -> None:
    lam = server.client("lambda")
    role = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
    common = {"Role": role, "Handler": "app.handler",
              "Code": {"ZipFile": make_zip({"app.py": PYTHON_ECHO})}}  # fmt: skip
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName=f"old-{uuid.uuid4().hex[:6]}", Runtime="python3.8",
                            **common)  # fmt: skip
    error = exc.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == REFUSED.format(runtime="python3.8", newer="python3.14")

    # Deprecated (2026-06-30) but not yet blocked: it deploys, as on Lambda.
    name = f"current-{uuid.uuid4().hex[:6]}"
    lam.create_function(FunctionName=name, Runtime="python3.11", **common)
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(FunctionName=name, Runtime="nodejs16.x")
    assert exc.value.response["Error"]["Message"] == REFUSED.format(
        runtime="nodejs16.x", newer="nodejs24.x"
    )
    assert lam.get_function_configuration(FunctionName=name)["Runtime"] == "python3.11"

    zip_path = tmp_path / "app.zip"
    zip_path.write_bytes(make_zip({"app.py": PYTHON_ECHO}))
    printed = aws_error(
        server, "lambda", "create-function", "--function-name", f"cli-{uuid.uuid4().hex[:6]}",
        "--runtime", "python3.7", "--handler", "app.handler", "--role", role,
        "--zip-file", f"fileb://{zip_path}",
    )  # fmt: skip
    assert "InvalidParameterValueException" in printed
    assert "python3.7 is no longer supported" in printed
