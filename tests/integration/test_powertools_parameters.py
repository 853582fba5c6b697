"""Powertools for AWS Lambda (Python) Parameters inside a deployed function, unchanged, under
its execution role: get_parameter (plain, SecureString under a customer key and under aws/ssm),
get_parameters by path, get_parameters_by_name with its error handling, and its cache, whose
reads are counted in the audit trail (every GetParameter is a CloudTrail record). A role
without ssm permissions gets Powertools' GetParameterError wrapping AccessDeniedException.

A Node.js function reads with the AWS SDK v3's SSM client when the runtime provides it, as
Lambda's nodejs20.x does; Stockade's ships no AWS SDK, so that test skips and says so.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import pytest

from tests.integration.test_execution_roles import LAMBDA_TRUST, make_role, unique
from tests.support.packages import make_zip
from tests.support.powertools_package import POWERTOOLS, powertools_package
from tests.support.role_calls import calls_by_role, invoke
from tests.support.server import RunningServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@dataclass(frozen=True)
class Setup:
    base: str  # every parameter of this module lives under it
    key_id: str  # a customer KMS key the role may decrypt with
    role: str
    function: str  # runs under `role`
    bare_function: str  # runs under a role with no policy at all


def _deploy(server: RunningServer, role: str, code: bytes) -> str:
    lam, name = server.client("lambda"), unique("powertools")
    lam.create_function(FunctionName=name, Runtime=POWERTOOLS.runtime, Role=role,
                        Handler=POWERTOOLS.handler, Code={"ZipFile": code}, Timeout=30,
                        MemorySize=256)  # fmt: skip
    return name


@pytest.fixture(scope="module")
def setup(server: RunningServer) -> Setup:
    code = powertools_package()
    kms = server.client("kms")
    base = f"/pt/{uuid.uuid4().hex[:8]}"
    key = kms.create_key()["KeyMetadata"]
    prefix = f"arn:aws:ssm:{server.region}:{server.account_id}:parameter{base}"
    role = make_role(server, LAMBDA_TRUST, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Resource": [prefix, f"{prefix}/*"],
         "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key["Arn"]}]})  # fmt: skip
    bare = make_role(server, LAMBDA_TRUST, None)
    function, bare_function = _deploy(server, role, code), _deploy(server, bare, code)
    waiter = server.client("lambda").get_waiter("function_active_v2")
    for name in (function, bare_function):
        waiter.wait(FunctionName=name)
    return Setup(base, key["KeyId"], role, function, bare_function)


def get_parameter_calls(server: RunningServer, role: str, name: str, expected: int) -> int:
    """GetParameter records in the audit trail made under `role` for `name`."""
    return calls_by_role(server, role, "GetParameter", lambda p: p["Name"] == name, expected)


def test_get_parameter_plain_and_decrypted(server: RunningServer, setup: Setup) -> None:
    ssm = server.client("ssm")
    plain, customer, default = (f"{setup.base}/get/{n}" for n in ("plain", "customer", "default"))
    ssm.put_parameter(Name=plain, Value="plain-value", Type="String")
    ssm.put_parameter(Name=customer, Value="customer-secret", Type="SecureString",
                      KeyId=setup.key_id)  # fmt: skip
    ssm.put_parameter(Name=default, Value="default-secret", Type="SecureString")
    read = {"action": "get_parameter"}
    assert invoke(server, setup.function, {**read, "name": plain}) == {"result": "plain-value"}
    for name, value in ((customer, "customer-secret"), (default, "default-secret")):
        got = invoke(server, setup.function, {**read, "name": name, "decrypt": True})
        assert got == {"result": value}


def test_a_customer_key_the_role_may_not_use_is_denied(server: RunningServer, setup: Setup) -> None:
    ssm, kms = server.client("ssm"), server.client("kms")
    other_key = kms.create_key()["KeyMetadata"]["KeyId"]
    name = f"{setup.base}/get/other-key"
    ssm.put_parameter(Name=name, Value="not-for-you", Type="SecureString", KeyId=other_key)
    got = invoke(server, setup.function, {"action": "get_parameter", "name": name,
                                          "decrypt": True})  # fmt: skip
    # Parameter Store reports KMS's denial as AccessDeniedException (kms:Decrypt, as the caller).
    assert (got["error"], got["cause"]) == ("GetParameterError", "AccessDeniedException")
    assert "not-for-you" not in json.dumps(got)


def test_get_parameters_by_path_recursively(server: RunningServer, setup: Setup) -> None:
    ssm = server.client("ssm")
    path = f"{setup.base}/app"
    ssm.put_parameter(Name=f"{path}/host", Value="db.local", Type="String")
    ssm.put_parameter(Name=f"{path}/db/user", Value="admin", Type="String")
    ssm.put_parameter(Name=f"{path}/db/password", Value="pw", Type="SecureString",
                      KeyId=setup.key_id)  # fmt: skip
    got = invoke(server, setup.function, {"action": "get_parameters", "path": path,
                                          "decrypt": True})  # fmt: skip
    # Powertools keys the result by the name relative to the path (its docs' example).
    assert got == {"result": {"host": "db.local", "db/user": "admin", "db/password": "pw"}}


def test_get_parameters_by_name_and_its_errors(server: RunningServer, setup: Setup) -> None:
    ssm = server.client("ssm")
    names = [f"{setup.base}/by-name/{n}" for n in ("a", "b", "secret")]
    ssm.put_parameter(Name=names[0], Value="A", Type="String")
    ssm.put_parameter(Name=names[1], Value="B", Type="String")
    ssm.put_parameter(Name=names[2], Value="S", Type="SecureString", KeyId=setup.key_id)
    wanted = {names[0]: {}, names[1]: {}, names[2]: {"decrypt": True}}
    got = invoke(server, setup.function, {"action": "get_parameters_by_name",
                                          "parameters": wanted})  # fmt: skip
    assert got == {"result": {names[0]: "A", names[1]: "B", names[2]: "S"}}
    missing = f"{setup.base}/by-name/missing"
    event = {"action": "get_parameters_by_name", "parameters": {**wanted, missing: {}}}
    # Fail-fast by default: GetParameters' InvalidParameters become GetParameterError.
    failed = invoke(server, setup.function, event)
    assert failed["error"] == "GetParameterError"
    assert missing in failed["message"]
    # raise_on_error=False: what was found, and the names that failed under "_errors".
    graceful = invoke(server, setup.function, {**event, "raise_on_error": False})
    assert graceful == {"result": {names[0]: "A", names[1]: "B", names[2]: "S",
                                   "_errors": [missing]}}  # fmt: skip


def test_the_cache_saves_calls_within_max_age(server: RunningServer, setup: Setup) -> None:
    ssm = server.client("ssm")
    kept, expiring = f"{setup.base}/cache/kept", f"{setup.base}/cache/expiring"
    for name in (kept, expiring):
        ssm.put_parameter(Name=name, Value="v1", Type="SecureString", KeyId=setup.key_id)
    read = {"action": "get_parameter", "decrypt": True}
    # Two invocations well within max_age: the warm function asks the server once.
    for _ in range(2):
        got = invoke(server, setup.function, {**read, "name": kept, "max_age": 300})
        assert got == {"result": "v1"}
    assert get_parameter_calls(server, setup.role, kept, expected=1) == 1
    # max_age=1: a read after it has passed goes to the server again, and sees a new value.
    first = invoke(server, setup.function, {**read, "name": expiring, "max_age": 1})
    fetched_by = time.monotonic()
    ssm.put_parameter(Name=expiring, Value="v2", Type="SecureString", KeyId=setup.key_id,
                      Overwrite=True)  # fmt: skip
    time.sleep(max(0.0, fetched_by + 1.5 - time.monotonic()))
    later = invoke(server, setup.function, {**read, "name": expiring, "max_age": 1})
    assert (first, later) == ({"result": "v1"}, {"result": "v2"})
    assert get_parameter_calls(server, setup.role, expiring, expected=2) == 2


def test_a_role_without_ssm_permission_gets_access_denied(
    server: RunningServer, setup: Setup
) -> None:
    ssm = server.client("ssm")
    name = f"{setup.base}/denied"
    ssm.put_parameter(Name=name, Value="nope", Type="SecureString")
    got = invoke(server, setup.bare_function, {"action": "get_parameter", "name": name,
                                               "decrypt": True})  # fmt: skip
    assert (got["error"], got["cause"]) == ("GetParameterError", "AccessDeniedException")
    # Powertools' message is botocore's: the code and the operation that was denied.
    assert "AccessDeniedException" in got["message"]
    assert "GetParameter" in got["message"]
    assert "nope" not in json.dumps(got)


NODE_READER = """
exports.handler = async (event) => {
  let ssm;
  try {
    ssm = require("@aws-sdk/client-ssm");
  } catch (error) {
    return { unavailable: error.code };
  }
  const client = new ssm.SSMClient({});
  try {
    const read = new ssm.GetParameterCommand({ Name: event.name, WithDecryption: true });
    const got = await client.send(read);
    return { value: got.Parameter.Value };
  } catch (error) {
    return { error: error.name };
  }
};
"""


def test_a_node_function_reads_with_the_sdk_the_runtime_ships(
    server: RunningServer, setup: Setup
) -> None:
    ssm, lam = server.client("ssm"), server.client("lambda")
    name = f"{setup.base}/node"
    ssm.put_parameter(Name=name, Value="from-node", Type="SecureString", KeyId=setup.key_id)
    function = unique("node-ssm")
    lam.create_function(FunctionName=function, Runtime="nodejs20.x", Role=setup.role,
                        Handler="index.handler", Timeout=30,
                        Code={"ZipFile": make_zip({"index.js": NODE_READER})})  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=function)
    got = invoke(server, function, {"name": name})
    if "unavailable" in got:
        assert got == {"unavailable": "MODULE_NOT_FOUND"}
        pytest.skip("the nodejs20.x runtime ships no AWS SDK v3 (Lambda's does)")
    assert got == {"value": "from-node"}
