"""Flow logs and network configuration history against a running server: boto3 and the AWS CLI
speak EC2's protocol to it (`flowLogIdSet`, `unsuccessful`, `creationTime` as EC2 words them),
and `stockade config history --resource-type` shows a VPC's items over the operator socket."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.server import REPO, RunningServer

pytestmark = pytest.mark.integration


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                          check=False, cwd=REPO)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_flow_logs_and_the_vpc_history_end_to_end(server: RunningServer) -> None:
    ec2 = server.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    try:
        role = f"arn:aws:iam::{server.account_id}:role/flow-logs"
        missing = "vpc-0123456789abcdef0"
        made = ec2.create_flow_logs(ResourceType="VPC", ResourceIds=[vpc_id, missing],
                                    TrafficType="REJECT", LogGroupName="e2e-flows",
                                    DeliverLogsPermissionArn=role)  # fmt: skip
        [flow_log_id] = made["FlowLogIds"]
        assert made["Unsuccessful"][0]["Error"]["Code"] == "InvalidVpcID.NotFound"
        [described] = ec2.describe_flow_logs(FlowLogIds=[flow_log_id])["FlowLogs"]
        assert described["CreationTime"].tzinfo is not None
        assert (described["ResourceId"], described["TrafficType"]) == (vpc_id, "REJECT")
        shown = run([sys.executable, "-m", "awscli", "ec2", "describe-flow-logs",
                     "--filter", f"Name=resource-id,Values={vpc_id}", "--output", "json"],
                    server.cli_env())  # fmt: skip
        assert [f["FlowLogId"] for f in json.loads(shown.stdout)["FlowLogs"]] == [flow_log_id]
        deleted = run([sys.executable, "-m", "awscli", "ec2", "delete-flow-logs",
                       "--flow-log-ids", flow_log_id, "fl-0123456789abcdef0", "--output",
                       "json"], server.cli_env())  # fmt: skip
        [gone] = json.loads(deleted.stdout)["Unsuccessful"]
        assert gone["Error"]["Code"] == "InvalidFlowLogId.NotFound"
        assert ec2.describe_flow_logs(FlowLogIds=[flow_log_id])["FlowLogs"] == []
    finally:
        ec2.delete_vpc(VpcId=vpc_id)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    history = run([sys.executable, "-m", "stockade", "config", "history", vpc_id,
                   "--resource-type", "AWS::EC2::VPC", "--json", "--data-dir",
                   str(server.data_dir)], clean)  # fmt: skip
    items = json.loads(history.stdout)
    assert [i["configurationItemStatus"] for i in items] == ["ResourceDiscovered",
                                                             "ResourceDeleted"]  # fmt: skip
    assert [i["relatedEvents"][0]["eventName"] for i in items] == ["CreateVpc", "DeleteVpc"]
