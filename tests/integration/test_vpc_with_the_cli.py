"""The AWS CLI builds a VPC, a subnet and a security group and attaches a function to them,
unchanged; a server without CAP_NET_ADMIN starts, says function networking is off, and refuses
a VpcConfig with an explicit error."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.packages import PYTHON_ECHO
from tests.support.server import RunningServer, start_server

pytestmark = pytest.mark.integration

VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})  # fmt: skip


def aws(server: RunningServer, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--output", "json"],
        env=server.cli_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_the_cli_attaches_a_function_to_a_vpc(server: RunningServer, tmp_path: Path) -> None:
    vpc = aws(server, "ec2", "create-vpc", "--cidr-block", "10.63.0.0/16")["Vpc"]["VpcId"]
    subnet = aws(server, "ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block",
                 "10.63.1.0/24")["Subnet"]["SubnetId"]  # fmt: skip
    group = aws(server, "ec2", "create-security-group", "--group-name", "cli-fn",
                "--description", "cli", "--vpc-id", vpc)["GroupId"]  # fmt: skip
    database = "IpProtocol=tcp,FromPort=5432,ToPort=5432,IpRanges=[{CidrIp=10.63.1.10/32}]"
    aws(server, "ec2", "authorize-security-group-egress", "--group-id", group,
        "--ip-permissions", database)  # fmt: skip
    role_name = f"cli-vpc-{uuid.uuid4().hex[:6]}"
    role = aws(server, "iam", "create-role", "--role-name", role_name,
               "--assume-role-policy-document", TRUST)["Role"]["Arn"]  # fmt: skip
    aws(server, "iam", "attach-role-policy", "--role-name", role_name, "--policy-arn", VPC_ACCESS)
    package = tmp_path / "fn.zip"
    package.write_bytes(PYTHON_ECHO)
    name = f"cli-vpc-{uuid.uuid4().hex[:6]}"
    made = aws(server, "lambda", "create-function", "--function-name", name, "--runtime",
               "python3.11", "--handler", "app.handler", "--role", role, "--zip-file",
               f"fileb://{package}", "--vpc-config",
               f"SubnetIds={subnet},SecurityGroupIds={group}")  # fmt: skip
    assert made["VpcConfig"]["VpcId"] == vpc
    aws(server, "lambda", "wait", "function-active-v2", "--function-name", name)
    answer = tmp_path / "out.json"
    invoked = aws(server, "lambda", "invoke", "--function-name", name, "--payload", "{}",
                  str(answer))  # fmt: skip
    assert invoked["StatusCode"] == 200
    assert "FunctionError" not in invoked
    assert json.loads(answer.read_text()) == {"echo": {}}
    shown = aws(server, "lambda", "get-function-configuration", "--function-name", name)
    assert shown["VpcConfig"] == {"SubnetIds": [subnet], "SecurityGroupIds": [group],
                                  "VpcId": vpc, "Ipv6AllowedForDualStack": False}  # fmt: skip
    interfaces = aws(server, "ec2", "describe-network-interfaces", "--filters",
                     f"Name=subnet-id,Values={subnet}")["NetworkInterfaces"]  # fmt: skip
    assert [i["InterfaceType"] for i in interfaces] == ["lambda"]
    aws(server, "lambda", "delete-function", "--function-name", name)
    aws(server, "ec2", "delete-security-group", "--group-id", group)
    aws(server, "ec2", "delete-subnet", "--subnet-id", subnet)
    aws(server, "ec2", "delete-vpc", "--vpc-id", vpc)


def test_without_the_network_tools_networking_is_off_and_vpc_config_refused(
    tmp_path: Path,
) -> None:
    # No /usr/sbin on PATH: no ip, nft or tc (as on a host without them; a host without
    # CAP_NET_ADMIN takes the same path, see tests/unit/test_function_network_choice.py).
    server = start_server(tmp_path / "data", None, env_extra={"PATH": "/usr/bin:/bin"})
    try:
        assert "FUNCTION NETWORKING IS OFF" in server.log()
        assert "not found on PATH" in server.log()
        ec2, lam = server.client("ec2"), server.client("lambda")
        vpc = ec2.create_vpc(CidrBlock="10.64.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.64.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as refused:
            lam.create_function(
                FunctionName="no-network", Runtime="python3.11", Handler="app.handler",
                Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                Code={"ZipFile": PYTHON_ECHO},
                VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]},
            )  # fmt: skip
        assert "function networking is off" in str(refused.value)
        # Functions without a VpcConfig still run, with the API channel only.
        lam.create_function(
            FunctionName="channel-only", Runtime="python3.11", Handler="app.handler",
            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
            Code={"ZipFile": PYTHON_ECHO},
        )  # fmt: skip
        lam.get_waiter("function_active_v2").wait(FunctionName="channel-only")
        assert lam.invoke(FunctionName="channel-only", Payload=b"{}")["StatusCode"] == 200
    finally:
        server.stop()
