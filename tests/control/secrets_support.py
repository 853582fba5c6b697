"""What the Secrets Manager control tests share: a server on a fake clock, error codes, users
with policies of their own."""

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


def new_name(prefix: str = "app") -> str:
    return f"{prefix}/{uuid.uuid4().hex[:10]}"


def user_with(server: InProcessServer, policy: dict[str, Any] | None) -> tuple[str, str]:
    """Credentials of a new user whose only policy is `policy` (None: no policy at all)."""
    iam = server.client("iam")
    name = f"user-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def user_arn(server: InProcessServer, credentials: tuple[str, str]) -> str:
    return str(server.client("sts", credentials).get_caller_identity()["Arn"])


def allow(actions: list[str], resource: str = "*") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }
