"""CreateFlowLogs' request, parsed strictly into a frozen value before anything is read or
written: the resource type and ids, the traffic type, the log group (by name or ARN), the role,
the format and the aggregation interval.

Facts (EC2 API reference, CreateFlowLogs; Amazon VPC user guide, "Publish flow logs to
CloudWatch Logs"): the destination type defaults to `cloud-watch-logs`, which needs
`DeliverLogsPermissionArn` (InvalidParameter "... can't be empty if LogDestinationType is
cloud-watch-logs."); the interval is 60 or 600 seconds (600 by default); `LogDestination` is
the log group's ARN. Only the default format is written here: a custom one is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stockade.domain.flow_log import DEFAULT_FORMAT, FlowLogResourceType, TrafficType
from stockade.domain.network import ResourceKind, Tags
from stockade.services.ec2.common import Request, tags_to_create
from stockade.services.ec2.describing import refuse_unoffered
from stockade.services.ec2.errors import (
    InvalidParameterError,
    InvalidParameterValueError,
    MissingParameterError,
    UnsupportedOperationError,
)

CLOUD_WATCH_LOGS = "cloud-watch-logs"
INTERVALS = (60, 600)
RESOURCE_IDS_MAX = 1000  # bounds one request's work (AWS caps DeleteFlowLogs at 1000 ids)
KINDS = {
    FlowLogResourceType.VPC: ResourceKind.VPC,
    FlowLogResourceType.SUBNET: ResourceKind.SUBNET,
    FlowLogResourceType.NETWORK_INTERFACE: ResourceKind.NETWORK_INTERFACE,
}
PREFIXES = {FlowLogResourceType.VPC: "vpc-", FlowLogResourceType.SUBNET: "subnet-",
            FlowLogResourceType.NETWORK_INTERFACE: "eni-"}  # fmt: skip
# CloudWatch Logs: a group name is 1 to 512 of these (CreateLogGroup's pattern).
_GROUP_NAME = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")
_GROUP_ARN = re.compile(r"arn:aws:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(:\*)?")
_ROLE_ARN = re.compile(r"arn:aws:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_FIELD = re.compile(r"\$\{[a-z0-9-]+\}")
_UNOFFERED = ("DeliverCrossAccountRole", "DestinationOptions", "TagFieldSpecifications")


@dataclass(frozen=True)
class FlowLogRequest:
    resource_type: FlowLogResourceType
    resource_ids: tuple[str, ...]
    traffic_type: TrafficType
    log_group_name: str
    role_arn: str
    max_aggregation_interval: int
    tags: Tags


def resource_type_of(request: Request) -> FlowLogResourceType | None:
    try:
        return FlowLogResourceType(str(request.get("ResourceType")))
    except ValueError:
        return None


def parse(request: Request, region: str, account: str) -> FlowLogRequest:
    refuse_unoffered(request, _UNOFFERED)
    resource_type = resource_type_of(request)
    if resource_type is None:
        raise UnsupportedOperationError(
            "Flow logs are served for the resource types VPC, Subnet and NetworkInterface."
        )
    ids = tuple(str(i) for i in request.get("ResourceIds") or ())
    if not ids:
        raise MissingParameterError("The request must contain the parameter ResourceId")
    if len(ids) > RESOURCE_IDS_MAX:
        raise InvalidParameterValueError(f"At most {RESOURCE_IDS_MAX} resource ids are allowed.")
    for resource_id in ids:
        if not resource_id.startswith(PREFIXES[resource_type]):
            raise InvalidParameterError(
                f"Invalid Resource id {resource_id[:64]} for resource-type {resource_type.value}"
            )
    traffic = request.get("TrafficType")
    if traffic is None:
        raise MissingParameterError("The request must contain the parameter TrafficType")
    destination_type = request.get("LogDestinationType") or CLOUD_WATCH_LOGS
    if destination_type != CLOUD_WATCH_LOGS:
        raise UnsupportedOperationError("Flow logs are published to CloudWatch Logs only.")
    interval = request.get("MaxAggregationInterval", 600)
    if interval not in INTERVALS:
        raise InvalidParameterError("Invalid Flow Log Max Aggregation Interval")
    _check_format(request.get("LogFormat"))
    group = _log_group(request, region, account)
    role = request.get("DeliverLogsPermissionArn")
    if not role:
        raise InvalidParameterError(
            "DeliverLogsPermissionArn can't be empty if LogDestinationType is cloud-watch-logs."
        )
    if not _ROLE_ARN.fullmatch(role):
        raise InvalidParameterError(f"Invalid DeliverLogsPermissionArn: {role[:256]}")
    tags = tags_to_create(request, ResourceKind.FLOW_LOG)
    return FlowLogRequest(resource_type, ids, TrafficType(traffic), group, role, interval, tags)


def _log_group(request: Request, region: str, account: str) -> str:
    name, destination = request.get("LogGroupName"), request.get("LogDestination")
    if name and destination:
        raise InvalidParameterError(
            "Please only provide LogGroupName or only provide LogDestination."
        )
    if destination:
        found = _GROUP_ARN.fullmatch(destination)
        if found is None or found.group(1) != region or found.group(2) != account:
            raise InvalidParameterError(
                f"LogDestination: {destination[:256]} is not a log group of this account and"
                " Region."
            )
        name = found.group(3)
    if not name:
        raise InvalidParameterError(
            "LogDestination can't be empty if LogGroupName is not provided."
        )
    if not _GROUP_NAME.fullmatch(name):
        raise InvalidParameterError(f"Invalid LogGroupName: {name[:512]}")
    return str(name)


def _check_format(given: str | None) -> None:
    if given is None or given.split() == DEFAULT_FORMAT.split():
        return
    if given.split() and all(_FIELD.fullmatch(part) for part in given.split()):
        raise UnsupportedOperationError("Only the default flow log format is supported.")
    raise InvalidParameterError(f"Invalid log format: {given[:256]}")
