"""VpcConfig on CreateFunction and UpdateFunctionConfiguration: parsed, checked, stored.

Lambda's checks, in its wording (Lambda API reference "VpcConfig"; its answers as recorded in
public reports): the two lists go together ("SubnetIds and SecurityIds must coexist or be both
empty list."); at most 16 subnets and 5 groups (the model's bounds: the kernel's
ValidationException, as Lambda's); every id must name a subnet or group of the
caller's account (EC2's not-found answer relayed inside InvalidParameterValueException); all
in one VPC; and the execution role must allow the network-interface actions ("The provided
execution role does not have permissions to call CreateNetworkInterface on EC2"). Both lists
empty removes the attachment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stockade.domain.function_vpc import FunctionVpc
from stockade.policy import LambdaKey
from stockade.sandbox.network.attachment import VpcPlacement
from stockade.services.lambda_ import roles
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import InvalidParameterValueError
from stockade.services.lambda_.role_permissions import INTERFACE_ACTIONS, first_refused
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import Transaction
from stockade.types import AccountId

NOT_TOGETHER = "SubnetIds and SecurityIds must coexist or be both empty list."
GROUPS_ELSEWHERE = "Security Groups are required to be in the same VPC."
SUBNETS_ELSEWHERE = "Subnets are required to be in the same VPC."
# Stockade's own: no Lambda answer covers a platform that cannot build networks.
NETWORKING_OFF = (
    "VpcConfig cannot be met: function networking is off on this server (it needs"
    " CAP_NET_ADMIN and the ip, nft and nsenter tools; the server's log says which is missing)."
)


def role_refused(action: str) -> str:
    return (
        f"The provided execution role does not have permissions to call"
        f" {action.removeprefix('ec2:')} on EC2"
    )


def requested(given: Mapping[str, Any] | None) -> FunctionVpc:
    """The VpcConfig of a request, its shape checked (not yet what its ids name)."""
    given = given or {}
    subnets = _unique(given.get("SubnetIds") or ())
    groups = _unique(given.get("SecurityGroupIds") or ())
    if bool(subnets) != bool(groups):
        raise InvalidParameterValueError(NOT_TOGETHER)
    if not subnets:
        return FunctionVpc()
    return FunctionVpc(subnets, groups, "", bool(given.get("Ipv6AllowedForDualStack")))


def checked(
    deps: LambdaDeps, account: AccountId, role_arn: str, wanted: FunctionVpc, function_name: str
) -> FunctionVpc:
    """`wanted` with its VPC, once its subnets and groups exist in one VPC of `account` and
    the execution role may manage network interfaces."""
    if not wanted.attached:
        return wanted
    if not deps.vpc_supported:
        raise InvalidParameterValueError(NETWORKING_OFF)
    with deps.store.read() as tx:
        vpc_id = _vpc_of(tx, account, wanted)
        role = roles.role_named(tx, account, role_arn)
        refused = (
            INTERFACE_ACTIONS[0]
            if role is None
            else first_refused(tx, role, INTERFACE_ACTIONS, function_name, deps.clock)
        )
    if refused is not None:
        raise InvalidParameterValueError(role_refused(refused))
    return FunctionVpc(
        wanted.subnet_ids, wanted.security_group_ids, vpc_id, wanted.ipv6_allowed_for_dual_stack
    )


def still_there(tx: Transaction, account: AccountId, vpc: FunctionVpc | None) -> None:
    """Inside the write that stores `vpc`: its subnets and groups were not deleted since they
    were checked (a deletion checks for functions using them in its own write)."""
    if vpc is not None and vpc.attached and _vpc_of(tx, account, vpc) != vpc.vpc_id:
        raise InvalidParameterValueError(GROUPS_ELSEWHERE)  # pragma: no cover - ids are fixed


def placement(
    account: AccountId, vpc: FunctionVpc | None, function_arn: str = ""
) -> VpcPlacement | None:
    """What an environment spec carries of a function's VpcConfig (None: no VPC)."""
    if vpc is None or not vpc.attached:
        return None
    return VpcPlacement(
        account,
        vpc.subnet_ids,
        vpc.security_group_ids,
        vpc.ipv6_allowed_for_dual_stack,
        function_arn,
    )


def shown(vpc: FunctionVpc) -> shapes.VpcConfigResponse:
    """Lambda's VpcConfigResponse."""
    return {
        "SubnetIds": list(vpc.subnet_ids),
        "SecurityGroupIds": list(vpc.security_group_ids),
        "VpcId": vpc.vpc_id,
        "Ipv6AllowedForDualStack": vpc.ipv6_allowed_for_dual_stack,
    }


def condition_keys(
    deps: LambdaDeps, account: AccountId, given: Mapping[str, Any] | None
) -> dict[str, tuple[str, ...]]:
    """`lambda:SubnetIds`, `lambda:SecurityGroupIds` and `lambda:VpcIds` of a request's
    VpcConfig (Service Authorization Reference, AWS Lambda: CreateFunction and
    UpdateFunctionConfiguration). An empty or unparsable VpcConfig sets none: policies that
    require a VPC ("Null": {"lambda:VpcIds": "true"} in a Deny) then refuse it."""
    try:
        wanted = requested(given)
    except InvalidParameterValueError:
        return {}  # the handler refuses it after authorization
    if not wanted.attached:
        return {}
    with deps.store.read() as tx:
        subnets = [tx.networks.get_subnet(account, s) for s in wanted.subnet_ids]
    vpcs = tuple(dict.fromkeys(s.vpc_id for s in subnets if s is not None))
    keys = {
        LambdaKey.SUBNET_IDS.value: wanted.subnet_ids,
        LambdaKey.SECURITY_GROUP_IDS.value: wanted.security_group_ids,
    }
    if vpcs:
        keys[LambdaKey.VPC_IDS.value] = vpcs
    return keys


def _vpc_of(tx: Transaction, account: AccountId, wanted: FunctionVpc) -> str:
    vpcs: set[str] = set()
    for subnet_id in wanted.subnet_ids:
        subnet = tx.networks.get_subnet(account, subnet_id)
        if subnet is None:
            raise InvalidParameterValueError(
                "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound."
                f" EC2 Error Message: The subnet ID '{subnet_id[:64]}' does not exist"
            )
        vpcs.add(subnet.vpc_id)
    if len(vpcs) > 1:
        raise InvalidParameterValueError(SUBNETS_ELSEWHERE)
    for group_id in wanted.security_group_ids:
        group = tx.networks.get_group(account, group_id)
        if group is None:
            raise InvalidParameterValueError(
                "Error occurred while DescribeSecurityGroups. EC2 Error Code:"
                " InvalidGroup.NotFound. EC2 Error Message: The security group"
                f" '{group_id[:64]}' does not exist"
            )
        if group.vpc_id not in vpcs:
            raise InvalidParameterValueError(GROUPS_ELSEWHERE)
    return vpcs.pop()


def _unique(ids: Any) -> tuple[str, ...]:
    """In the order given, each once (a repeated id attaches nothing more)."""
    return tuple(dict.fromkeys(str(i) for i in ids))
