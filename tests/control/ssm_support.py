"""What the Parameter Store control tests share: errors as botocore reads them, unique names,
and callers whose only permissions are the statements a test gives them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.inprocess import InProcessServer


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def fresh(prefix: str = "/t") -> str:
    """A hierarchy of its own for one test (parameters live as long as the module's server)."""
    return f"{prefix}/{uuid.uuid4().hex[:10]}"


def user_with(server: InProcessServer, statements: list[dict[str, Any]]) -> tuple[str, str]:
    """A new IAM user allowed exactly `statements`."""
    iam = server.client("iam")
    name = f"u-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]
