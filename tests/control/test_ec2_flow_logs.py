"""CreateFlowLogs, DescribeFlowLogs, DeleteFlowLogs through boto3's `ec2` client.

Facts (EC2 API reference, "CreateFlowLogs", "DescribeFlowLogs", "DeleteFlowLogs",
"UnsuccessfulItem"; Amazon VPC user guide, "Flow logs" and its quotas): the destination type
defaults to cloud-watch-logs, which needs DeliverLogsPermissionArn (InvalidParameter); the
interval is 60 or 600 (600 by default); an unknown resource, and an unknown id given to
DeleteFlowLogs (InvalidFlowLogId.NotFound), are answered in `Unsuccessful`; two flow logs per
resource (FlowLogsLimitExceeded), one per resource and group (FlowLogAlreadyExists; both codes
in "Error codes for the Amazon EC2 API"); DescribeFlowLogs takes `Filter` (resource-id,
log-group-name, traffic-type, deliver-log-status, tag:...). Creating one needs
ec2:CreateFlowLogs and iam:PassRole on the role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.domain.flow_log import DEFAULT_FORMAT
from tests.support.inprocess import InProcessServer

FL_ID = re.compile(r"fl-[0-9a-f]{17}")


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("ec2-flow-logs") / "data") as running:
        yield running


@pytest.fixture
def ec2(server: InProcessServer) -> Any:
    return server.client("ec2")


def role(server: InProcessServer) -> str:
    return f"arn:aws:iam::{server.account_id}:role/flow-logs"


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = caught.value.response
    return (int(response["ResponseMetadata"]["HTTPStatusCode"]), str(response["Error"]["Code"]),
            str(response["Error"]["Message"]))  # fmt: skip


def new_vpc(ec2: Any) -> str:
    return str(ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"])


def create(ec2: Any, server: InProcessServer, ids: list[str], **extra: Any) -> Any:
    params = {"ResourceType": "VPC", "ResourceIds": ids, "TrafficType": "ALL",
              "LogGroupName": "flows", "DeliverLogsPermissionArn": role(server),
              **extra}  # fmt: skip
    return ec2.create_flow_logs(**params)


def test_a_flow_log_is_created_described_and_deleted(server: InProcessServer, ec2: Any) -> None:
    vpc_id = new_vpc(ec2)
    made = create(ec2, server, [vpc_id], TagSpecifications=[
        {"ResourceType": "vpc-flow-log", "Tags": [{"Key": "team", "Value": "net"}]}])  # fmt: skip
    assert made["Unsuccessful"] == []
    [flow_log_id] = made["FlowLogIds"]
    assert FL_ID.fullmatch(flow_log_id)
    [described] = ec2.describe_flow_logs(FlowLogIds=[flow_log_id])["FlowLogs"]
    assert described["ResourceId"] == vpc_id
    assert described["TrafficType"] == "ALL"
    assert described["LogGroupName"] == "flows"
    assert described["LogDestinationType"] == "cloud-watch-logs"
    assert described["LogDestination"] == (
        f"arn:aws:logs:{server.region}:{server.account_id}:log-group:flows"
    )
    assert described["DeliverLogsPermissionArn"] == role(server)
    assert (described["DeliverLogsStatus"], described["FlowLogStatus"]) == ("SUCCESS", "ACTIVE")
    assert described["LogFormat"] == DEFAULT_FORMAT
    assert described["MaxAggregationInterval"] == 600
    assert described["Tags"] == [{"Key": "team", "Value": "net"}]
    assert described["CreationTime"] is not None
    assert ec2.delete_flow_logs(FlowLogIds=[flow_log_id])["Unsuccessful"] == []
    assert ec2.describe_flow_logs()["FlowLogs"] == []


def test_a_log_group_arn_names_the_destination(server: InProcessServer, ec2: Any) -> None:
    vpc_id = new_vpc(ec2)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group_arn = f"arn:aws:logs:{server.region}:{server.account_id}:log-group:subnet-flows:*"
    made = ec2.create_flow_logs(ResourceType="Subnet", ResourceIds=[subnet], TrafficType="REJECT",
                                LogDestinationType="cloud-watch-logs", LogDestination=group_arn,
                                DeliverLogsPermissionArn=role(server), MaxAggregationInterval=60,
                                LogFormat=DEFAULT_FORMAT)  # fmt: skip
    [described] = ec2.describe_flow_logs(FlowLogIds=made["FlowLogIds"])["FlowLogs"]
    assert (described["LogGroupName"], described["TrafficType"]) == ("subnet-flows", "REJECT")
    assert described["MaxAggregationInterval"] == 60


def test_unknown_resources_are_unsuccessful_and_the_others_get_theirs(
    server: InProcessServer, ec2: Any
) -> None:
    vpc_id = new_vpc(ec2)
    missing = "vpc-0123456789abcdef0"
    made = create(ec2, server, [missing, vpc_id])
    assert len(made["FlowLogIds"]) == 1
    [failed] = made["Unsuccessful"]
    assert failed["ResourceId"] == missing
    assert failed["Error"]["Code"] == "InvalidVpcID.NotFound"
    subnet_made = create(ec2, server, ["subnet-0123456789abcdef0"], ResourceType="Subnet")
    assert subnet_made["FlowLogIds"] == []
    assert subnet_made["Unsuccessful"][0]["Error"]["Code"] == "InvalidSubnetID.NotFound"
    eni = create(ec2, server, ["eni-0123456789abcdef0"], ResourceType="NetworkInterface")
    assert eni["Unsuccessful"][0]["Error"]["Code"] == "InvalidNetworkInterfaceID.NotFound"


def test_two_flow_logs_per_resource_and_one_per_group(server: InProcessServer, ec2: Any) -> None:
    vpc_id, other = new_vpc(ec2), new_vpc(ec2)
    create(ec2, server, [vpc_id], LogGroupName="one")
    with pytest.raises(ClientError) as caught:
        create(ec2, server, [other, vpc_id], LogGroupName="one")
    assert error_of(caught)[:2] == (400, "FlowLogAlreadyExists")
    create(ec2, server, [vpc_id], LogGroupName="two", TrafficType="REJECT")
    with pytest.raises(ClientError) as caught:
        create(ec2, server, [other, vpc_id], LogGroupName="three")
    assert error_of(caught)[:2] == (400, "FlowLogsLimitExceeded")
    # A refused request writes nothing, not even the flow log of the other VPC.
    assert [f["ResourceId"] for f in ec2.describe_flow_logs()["FlowLogs"]] == [vpc_id, vpc_id]


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        ({"DeliverLogsPermissionArn": None}, "InvalidParameter", "DeliverLogsPermissionArn"),
        ({"DeliverLogsPermissionArn": "not-a-role"}, "InvalidParameter", "not-a-role"),
        ({"LogGroupName": None}, "InvalidParameter", "LogDestination can't be empty"),
        ({"LogDestination": "arn:aws:logs:us-east-1:1:log-group:x"}, "InvalidParameter",
         "Please only provide"),
        ({"MaxAggregationInterval": 300}, "InvalidParameter", "Aggregation Interval"),
        ({"LogFormat": "${srcaddr} ${dstaddr}"}, "UnsupportedOperation", "default"),
        ({"LogFormat": "srcaddr dstaddr"}, "InvalidParameter", "log format"),
        ({"LogDestinationType": "s3"}, "UnsupportedOperation", "CloudWatch Logs"),
        ({"ResourceType": "TransitGateway"}, "UnsupportedOperation", "VPC, Subnet"),
        ({"ResourceType": "Subnet"}, "InvalidParameter", "for resource-type Subnet"),
        ({"TrafficType": None}, "MissingParameter", "TrafficType"),
    ],
)  # fmt: skip
def test_bad_requests_get_ec2_errors_and_write_nothing(
    server: InProcessServer, ec2: Any, extra: dict[str, Any], code: str, words: str
) -> None:
    vpc_id = new_vpc(ec2)
    params = {"ResourceType": "VPC", "ResourceIds": [vpc_id], "TrafficType": "ALL",
              "LogGroupName": "flows", "DeliverLogsPermissionArn": role(server),
              **extra}  # fmt: skip
    careless = server.client("ec2", validate=False)
    with pytest.raises(ClientError) as caught:
        careless.create_flow_logs(**{k: v for k, v in params.items() if v is not None})
    status, got, message = error_of(caught)
    assert (status, got) == (400, code)
    assert words in message
    assert ec2.describe_flow_logs()["FlowLogs"] == []


def test_describe_filters(server: InProcessServer, ec2: Any) -> None:
    vpc_id = new_vpc(ec2)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    [on_vpc] = create(ec2, server, [vpc_id], LogGroupName="vpc-flows")["FlowLogIds"]
    tagged = [{"ResourceType": "vpc-flow-log", "Tags": [{"Key": "k", "Value": "v"}]}]
    [on_subnet] = create(ec2, server, [subnet], ResourceType="Subnet", TrafficType="REJECT",
                         TagSpecifications=tagged)["FlowLogIds"]  # fmt: skip

    def ids(*filters: dict[str, Any]) -> list[str]:
        return [f["FlowLogId"] for f in ec2.describe_flow_logs(Filter=list(filters))["FlowLogs"]]

    assert ids({"Name": "resource-id", "Values": [subnet]}) == [on_subnet]
    assert ids({"Name": "log-group-name", "Values": ["vpc-*"]}) == [on_vpc]
    assert ids({"Name": "traffic-type", "Values": ["REJECT"]}) == [on_subnet]
    assert ids({"Name": "tag:k", "Values": ["v"]}) == [on_subnet]
    assert sorted(ids({"Name": "deliver-log-status", "Values": ["SUCCESS"]})) == sorted(
        [on_vpc, on_subnet]
    )
    assert ec2.describe_flow_logs(FlowLogIds=["fl-0123456789abcdef0"])["FlowLogs"] == []
    with pytest.raises(ClientError) as caught:
        ids({"Name": "no-such-filter", "Values": ["x"]})
    assert error_of(caught)[1] == "InvalidParameterValue"


def test_unknown_ids_are_unsuccessful_on_delete(server: InProcessServer, ec2: Any) -> None:
    vpc_id = new_vpc(ec2)
    [made] = create(ec2, server, [vpc_id])["FlowLogIds"]
    missing = "fl-0123456789abcdef0"
    answer = ec2.delete_flow_logs(FlowLogIds=[missing, made])
    not_found = {"Code": "InvalidFlowLogId.NotFound", "Message": "This flow log does not exist"}
    assert answer["Unsuccessful"] == [{"ResourceId": missing, "Error": not_found}]
    assert ec2.describe_flow_logs()["FlowLogs"] == []


def test_flow_logs_go_with_their_vpc_and_subnet(server: InProcessServer, ec2: Any) -> None:
    vpc_id = new_vpc(ec2)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    create(ec2, server, [subnet], ResourceType="Subnet")
    create(ec2, server, [vpc_id])
    ec2.delete_subnet(SubnetId=subnet)
    assert [f["ResourceId"] for f in ec2.describe_flow_logs()["FlowLogs"]] == [vpc_id]
    ec2.delete_vpc(VpcId=vpc_id)
    assert ec2.describe_flow_logs()["FlowLogs"] == []


def test_a_dry_run_writes_nothing(server: InProcessServer, ec2: Any) -> None:
    vpc_id = new_vpc(ec2)
    with pytest.raises(ClientError) as caught:
        create(ec2, server, [vpc_id], DryRun=True)
    assert error_of(caught)[:2] == (412, "DryRunOperation")
    assert ec2.describe_flow_logs()["FlowLogs"] == []


def user_client(server: InProcessServer, name: str, actions: list[str]) -> Any:
    iam = server.client("iam")
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}  # fmt: skip
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("ec2", (key["AccessKeyId"], key["SecretAccessKey"]))


def test_creating_needs_the_action_and_passing_the_role(server: InProcessServer, ec2: Any) -> None:
    vpc_id = new_vpc(ec2)
    no_pass = user_client(server, "no-pass", ["ec2:CreateFlowLogs"])
    with pytest.raises(ClientError) as caught:
        create(no_pass, server, [vpc_id])
    status, code, message = error_of(caught)
    assert (status, code) == (403, "UnauthorizedOperation")
    assert "iam:PassRole" in message
    nothing = user_client(server, "nothing", ["iam:PassRole"])
    with pytest.raises(ClientError) as caught:
        create(nothing, server, [vpc_id])
    assert "ec2:CreateFlowLogs" in error_of(caught)[2]
    assert ec2.describe_flow_logs()["FlowLogs"] == []
    allowed = user_client(server, "allowed", ["ec2:CreateFlowLogs", "iam:PassRole"])
    made = create(allowed, server, [vpc_id])["FlowLogIds"]
    assert len(made) == 1
    with pytest.raises(ClientError) as caught:
        allowed.delete_flow_logs(FlowLogIds=made)
    assert error_of(caught)[1] == "UnauthorizedOperation"
    assert "ec2:DeleteFlowLogs" in error_of(caught)[2]
