"""CreateFlowLogs, DescribeFlowLogs, DeleteFlowLogs: flow logs of VPCs, subnets and network
interfaces, published to a CloudWatch Logs group in AWS's default record format.

As in EC2, a resource that does not exist is reported in `Unsuccessful` (its not-found code)
while the others get theirs; a second log of a resource to the same group
(`FlowLogAlreadyExists`) or a third log of a resource (`FlowLogsLimitExceeded`: the Amazon VPC
quota of two) refuses the request, as clients catch these as errors of the call.
DeleteFlowLogs reports an unknown id as `InvalidFlowLogId.NotFound` in `Unsuccessful`. A flow
log goes with its VPC or subnet. Records are written by the data plane (`deliveries` in
domain/flow_log.py, `flow_logs_for` of the store); this is the control plane.
"""

from __future__ import annotations

from typing import Any

from stockade.domain.flow_log import DEFAULT_FORMAT, FlowLog, FlowLogResourceType
from stockade.services.context import RequestContext
from stockade.services.ec2.common import (
    IdSource,
    Request,
    check_dry_run,
    matching,
    page,
    rendered_tags,
)
from stockade.services.ec2.errors import (
    FlowLogAlreadyExistsError,
    FlowLogsLimitExceededError,
    InvalidParameterValueError,
)
from stockade.services.ec2.flow_log_request import (
    CLOUD_WATCH_LOGS,
    RESOURCE_IDS_MAX,
    FlowLogRequest,
    parse,
)
from stockade.services.ec2.function_interfaces import function_interfaces
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

FLOW_LOGS_PER_RESOURCE = 2  # Amazon VPC quotas: flow logs per VPC, subnet or interface
_NOT_FOUND = {
    FlowLogResourceType.VPC: ("InvalidVpcID.NotFound", "vpc"),
    FlowLogResourceType.SUBNET: ("InvalidSubnetID.NotFound", "subnet"),
    FlowLogResourceType.NETWORK_INTERFACE: ("InvalidNetworkInterfaceID.NotFound",
                                            "network interface"),
}  # fmt: skip


def unsuccessful(resource_id: str, code: str, message: str) -> dict[str, Any]:
    return {"ResourceId": resource_id, "Error": {"Code": code, "Message": message}}


def delete_flow_logs_of(tx: Transaction, account: AccountId, resource_id: str) -> None:
    """A VPC's or subnet's flow logs go with it (DeleteVpc, DeleteSubnet)."""
    for flow_log in tx.networks.flow_logs_on(account, resource_id):
        tx.networks.delete_flow_log(account, flow_log.flow_log_id)


class FlowLogs:
    def __init__(self, store: Store, ids: IdSource, region: str) -> None:
        self._store, self._ids, self._region = store, ids, region

    def create_flow_logs(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        account = ctx.principal.account_id
        wanted = parse(request, self._region, account)
        check_dry_run(request)
        made: list[str] = []
        failed: list[dict[str, Any]] = []
        with self._store.write() as tx:
            for resource_id in wanted.resource_ids:
                problem = _problem(tx, account, wanted, resource_id)
                if problem is not None:
                    failed.append(problem)
                    continue
                flow_log = FlowLog(
                    account, self._ids.new_id("fl"), resource_id, wanted.resource_type,
                    wanted.traffic_type, wanted.log_group_name, wanted.role_arn,
                    ctx.received_at, wanted.max_aggregation_interval, wanted.tags,
                )  # fmt: skip
                tx.networks.put_flow_log(flow_log)
                made.append(flow_log.flow_log_id)
        answer: dict[str, Any] = {"FlowLogIds": made, "Unsuccessful": failed}
        if request.get("ClientToken"):
            answer["ClientToken"] = request["ClientToken"]
        return answer

    def describe_flow_logs(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        with self._store.read() as tx:
            found = tx.networks.flow_logs(ctx.principal.account_id)
        # Unknown ids are not an error here: EC2 answers the flow logs it has.
        wanted = request.get("FlowLogIds")
        if wanted:
            found = [f for f in found if f.flow_log_id in wanted]
        found = matching(found, request.get("Filter", ()), _attributes, lambda f: f.tags)
        chosen, token = page(found, lambda f: f.flow_log_id, request, "FlowLogIds")
        answer: dict[str, Any] = {"FlowLogs": [self.render(f) for f in chosen]}
        if token is not None:
            answer["NextToken"] = token
        return answer

    def delete_flow_logs(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        ids = [str(i) for i in request["FlowLogIds"]]
        if len(ids) > RESOURCE_IDS_MAX:
            raise InvalidParameterValueError(f"At most {RESOURCE_IDS_MAX} flow log ids allowed.")
        account = ctx.principal.account_id
        failed = []
        with self._store.write() as tx:
            check_dry_run(request)
            for flow_log_id in ids:
                if tx.networks.get_flow_log(account, flow_log_id) is None:
                    failed.append(unsuccessful(flow_log_id, "InvalidFlowLogId.NotFound",
                                               "This flow log does not exist"))  # fmt: skip
                    continue
                tx.networks.delete_flow_log(account, flow_log_id)
        return {"Unsuccessful": failed}

    def render(self, flow_log: FlowLog) -> dict[str, Any]:
        return {
            "CreationTime": flow_log.created_at,
            "DeliverLogsPermissionArn": flow_log.deliver_logs_permission_arn,
            "DeliverLogsStatus": "SUCCESS",
            "FlowLogId": flow_log.flow_log_id,
            "FlowLogStatus": "ACTIVE",
            "LogGroupName": flow_log.log_group_name,
            "ResourceId": flow_log.resource_id,
            "TrafficType": flow_log.traffic_type.value,
            "LogDestinationType": CLOUD_WATCH_LOGS,
            "LogDestination": self._group_arn(flow_log),
            "LogFormat": DEFAULT_FORMAT,
            "MaxAggregationInterval": flow_log.max_aggregation_interval,
            **rendered_tags(flow_log.tags),
        }

    def _group_arn(self, flow_log: FlowLog) -> str:
        return (f"arn:aws:logs:{self._region}:{flow_log.account_id}:log-group:"
                f"{flow_log.log_group_name}")  # fmt: skip


def _problem(
    tx: Transaction, account: AccountId, wanted: FlowLogRequest, resource_id: str
) -> dict[str, Any] | None:
    """An Unsuccessful item for a resource that does not exist; None if it does. A flow log the
    resource already has, or one past its quota, refuses the request (nothing is written)."""
    if not _exists(tx, account, wanted.resource_type, resource_id):
        code, noun = _NOT_FOUND[wanted.resource_type]
        return unsuccessful(resource_id, code,
                            f"The {noun} ID '{resource_id[:64]}' does not exist")  # fmt: skip
    present = tx.networks.flow_logs_on(account, resource_id)
    if any(f.log_group_name == wanted.log_group_name for f in present):
        raise FlowLogAlreadyExistsError(
            "Error. There is an existing Flow Log with the same configuration and log destination."
        )
    if len(present) >= FLOW_LOGS_PER_RESOURCE:
        raise FlowLogsLimitExceededError(
            f"The maximum number of flow logs per resource ({FLOW_LOGS_PER_RESOURCE}) has been"
            f" reached for {resource_id[:64]}."
        )
    return None


def _exists(
    tx: Transaction, account: AccountId, kind: FlowLogResourceType, resource_id: str
) -> bool:
    if kind is FlowLogResourceType.VPC:
        return tx.networks.get_vpc(account, resource_id) is not None
    if kind is FlowLogResourceType.SUBNET:
        return tx.networks.get_subnet(account, resource_id) is not None
    # The interfaces of functions in a VPC (the only ones served), derived from the functions.
    return any(i.interface_id == resource_id for i in function_interfaces(tx, account))


def _attributes(flow_log: FlowLog) -> dict[str, list[str]]:
    # DescribeFlowLogs' filter names (EC2 API reference).
    return {
        "deliver-log-status": ["SUCCESS"],
        "log-destination-type": [CLOUD_WATCH_LOGS],
        "flow-log-id": [flow_log.flow_log_id],
        "log-group-name": [flow_log.log_group_name],
        "resource-id": [flow_log.resource_id],
        "traffic-type": [flow_log.traffic_type.value],
    }
