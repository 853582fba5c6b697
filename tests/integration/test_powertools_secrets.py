"""Secrets read inside a deployed function, unchanged, under its execution role: Powertools
Parameters' get_secret (and its cache, max_age) and the Secrets Manager caching library's
SecretCache, each as its docs write it. Every GetSecretValue is a CloudTrail record, so the
audit trail counts what the caches saved. A role without secretsmanager:GetSecretValue, or
without kms:Decrypt on the secret's customer key, is denied (AccessDeniedException), and no
value reaches an error.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.test_execution_roles import LAMBDA_TRUST, make_role, unique
from tests.support.powertools_package import POWERTOOLS, powertools_package
from tests.support.role_calls import calls_by_role, invoke
from tests.support.server import RunningServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@dataclass(frozen=True)
class Setup:
    prefix: str  # every secret of this module is named under it
    key_id: str  # a customer KMS key the role may decrypt with
    role: str
    function: str  # runs under `role`
    bare_function: str  # runs under a role with no policy at all


def _deploy(server: RunningServer, role: str, code: bytes) -> str:
    lam, name = server.client("lambda"), unique("secrets-reader")
    lam.create_function(FunctionName=name, Runtime=POWERTOOLS.runtime, Role=role,
                        Handler=POWERTOOLS.handler, Code={"ZipFile": code}, Timeout=30,
                        MemorySize=256)  # fmt: skip
    return name


@pytest.fixture(scope="module")
def setup(server: RunningServer) -> Setup:
    code = powertools_package()
    key = server.client("kms").create_key()["KeyMetadata"]
    prefix = f"pt-{uuid.uuid4().hex[:8]}"
    arns = f"arn:aws:secretsmanager:{server.region}:{server.account_id}:secret:{prefix}/*"
    role = make_role(server, LAMBDA_TRUST, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Resource": arns,  # the caching library describes, then reads
         "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key["Arn"]}]})  # fmt: skip
    bare = make_role(server, LAMBDA_TRUST, None)
    function, bare_function = _deploy(server, role, code), _deploy(server, bare, code)
    waiter = server.client("lambda").get_waiter("function_active_v2")
    for name in (function, bare_function):
        waiter.wait(FunctionName=name)
    return Setup(prefix, key["KeyId"], role, function, bare_function)


def reads_of(server: RunningServer, role: str, arn: str, expected: int) -> int:
    """GetSecretValue records in the audit trail made under `role` for the secret (named by
    its ARN or a prefix of it)."""
    return calls_by_role(
        server, role, "GetSecretValue", lambda p: arn.startswith(p["SecretId"]), expected
    )


def new_secret(server: RunningServer, setup: Setup, suffix: str, value: str, **extra: Any) -> str:
    made = server.client("secretsmanager").create_secret(
        Name=f"{setup.prefix}/{suffix}", SecretString=value, **extra
    )
    return str(made["ARN"])


def test_get_secret_under_the_default_and_a_customer_key(
    server: RunningServer, setup: Setup
) -> None:
    default = new_secret(server, setup, "default", "default-value")
    customer = new_secret(server, setup, "customer", '{"password":"pw"}', KmsKeyId=setup.key_id)
    read = {"action": "get_secret"}
    assert invoke(server, setup.function, {**read, "name": default}) == {
        "result": "default-value"}  # fmt: skip
    by_name = invoke(server, setup.function, {**read, "name": f"{setup.prefix}/customer"})
    assert by_name == {"result": '{"password":"pw"}'}
    assert customer.startswith(f"arn:aws:secretsmanager:{server.region}:")


def test_powertools_cache_saves_calls_within_max_age(server: RunningServer, setup: Setup) -> None:
    arn = new_secret(server, setup, "pt-cache", "v1", KmsKeyId=setup.key_id)
    for _ in range(2):  # two invocations well within max_age: one call to the server
        got = invoke(server, setup.function, {"action": "get_secret", "name": arn,
                                              "max_age": 300})  # fmt: skip
        assert got == {"result": "v1"}
    assert reads_of(server, setup.role, arn, expected=1) == 1
    expiring = new_secret(server, setup, "pt-expiring", "v1")
    first = invoke(server, setup.function, {"action": "get_secret", "name": expiring,
                                            "max_age": 1})  # fmt: skip
    fetched_by = time.monotonic()
    server.client("secretsmanager").put_secret_value(SecretId=expiring, SecretString="v2")
    time.sleep(max(0.0, fetched_by + 1.5 - time.monotonic()))
    later = invoke(server, setup.function, {"action": "get_secret", "name": expiring,
                                            "max_age": 1})  # fmt: skip
    assert (first, later) == ({"result": "v1"}, {"result": "v2"})
    assert reads_of(server, setup.role, expiring, expected=2) == 2


def test_the_caching_library_reads_once_per_environment(
    server: RunningServer, setup: Setup
) -> None:
    arn = new_secret(server, setup, "library", "cached-value", KmsKeyId=setup.key_id)
    for _ in range(3):
        got = invoke(server, setup.function, {"action": "cached_secret", "name": arn})
        assert got == {"result": "cached-value"}
    # SecretCache refreshes after an hour by default: the three reads were one call (the
    # library asks DescribeSecret, then GetSecretValue for the AWSCURRENT version).
    assert reads_of(server, setup.role, arn, expected=1) == 1


def test_a_customer_key_the_role_may_not_use_is_denied(server: RunningServer, setup: Setup) -> None:
    other_key = server.client("kms").create_key()["KeyMetadata"]["KeyId"]
    arn = new_secret(server, setup, "other-key", "not-for-you", KmsKeyId=other_key)
    got = invoke(server, setup.function, {"action": "get_secret", "name": arn})
    assert (got["error"], got["cause"]) == ("GetParameterError", "AccessDeniedException")
    assert "not-for-you" not in json.dumps(got)


def test_a_role_without_permission_is_denied(server: RunningServer, setup: Setup) -> None:
    arn = new_secret(server, setup, "denied", "nope")
    got = invoke(server, setup.bare_function, {"action": "get_secret", "name": arn})
    assert (got["error"], got["cause"]) == ("GetParameterError", "AccessDeniedException")
    library = invoke(server, setup.bare_function, {"action": "cached_secret", "name": arn})
    assert (library["error"], library["cause"]) == ("ClientError", "AccessDeniedException")
    assert "nope" not in json.dumps([got, library])
