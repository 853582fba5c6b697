"""CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup.

A new group allows all outbound IPv4 traffic and no inbound, as AWS creates it. A VPC's
`default` group goes only with its VPC (CannotDelete); a group another group's rule refers to
stays until that rule goes (DependencyViolation), and so does a group a function's VpcConfig
names (its network interfaces depend on it). There is no default VPC, so a group is
named by id, and CreateSecurityGroup needs a VpcId.
"""

from __future__ import annotations

from typing import Any

from stockade.domain.network import ALL_PROTOCOLS, ResourceKind, Rule, SecurityGroup
from stockade.services.context import RequestContext
from stockade.services.ec2 import configuration_items, egress_dependents, quotas
from stockade.services.ec2.common import (
    IdSource,
    Request,
    arn,
    check_dry_run,
    rendered_tags,
    tags_to_create,
)
from stockade.services.ec2.describing import Listing
from stockade.services.ec2.errors import (
    CannotDeleteError,
    DependencyViolationError,
    GroupDuplicateError,
    GroupNotFoundError,
    InvalidParameterValueError,
    MissingParameterError,
    VpcIdNotSpecifiedError,
)
from stockade.services.ec2.function_users import used_by_a_function
from stockade.services.ec2.permissions import to_permissions
from stockade.services.ec2.vpcs import load_vpc
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

NAME_MAX = DESCRIPTION_MAX = 255  # "Security group rules", Amazon VPC user guide


def no_group(group_id: str) -> GroupNotFoundError:
    return GroupNotFoundError(f"The security group '{group_id[:64]}' does not exist")


def group_id_of(request: Request) -> str:
    """The group a request names. Without a default VPC a name alone names no group."""
    group_id = request.get("GroupId")
    if group_id:
        return str(group_id)
    name = request.get("GroupName")
    if name:
        raise GroupNotFoundError(
            f"The security group '{str(name)[:255]}' does not exist in default VPC 'none'"
        )
    raise MissingParameterError("The request must contain the parameter groupName or groupId")


def load_group(tx: Transaction, account: AccountId, group_id: str) -> SecurityGroup:
    found = tx.networks.get_group(account, group_id)
    if found is None:
        raise no_group(group_id)
    return found


class Groups:
    def __init__(self, store: Store, ids: IdSource, region: str) -> None:
        self._store = store
        self._ids = ids
        self._region = region

    def create_security_group(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        name, description = str(request["GroupName"]), str(request["Description"])
        if not name or len(name) > NAME_MAX or name.lower().startswith("sg-"):
            raise InvalidParameterValueError(
                f"Value ({name[:NAME_MAX]}) for parameter GroupName is invalid. Group names may"
                " not be empty, longer than 255 characters or in the format sg-*."
            )
        if not description or len(description) > DESCRIPTION_MAX:
            raise InvalidParameterValueError(
                "Value for parameter GroupDescription is invalid. It must be 1 to 255"
                " characters long."
            )
        vpc_id = request.get("VpcId")
        if not vpc_id:
            raise VpcIdNotSpecifiedError("No default VPC for this user")
        tags = tags_to_create(request, ResourceKind.SECURITY_GROUP)
        account = ctx.principal.account_id
        with self._store.write() as tx:
            load_vpc(tx, account, vpc_id)
            if any(g.name == name for g in tx.networks.groups(account, vpc_id)):
                raise GroupDuplicateError(
                    f"The security group '{name}' already exists for VPC '{vpc_id}'"
                )
            quotas.check_new_group(tx, account)
            check_dry_run(request)
            egress = Rule(self._ids.new_id("sgr"), True, ALL_PROTOCOLS, cidr_ipv4="0.0.0.0/0")
            group = SecurityGroup(account, self._ids.new_id("sg"), vpc_id, name, description,
                                  (egress,), tags)  # fmt: skip
            tx.networks.put_group(group)
            configuration_items.record(ctx, tx, self._region, [group.group_id])
        return {
            "GroupId": group.group_id,
            "SecurityGroupArn": self._arn(group),
            **rendered_tags(tags),
        }

    def describe_security_groups(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        for name in request.get("GroupNames", ()):
            group_id_of({"GroupName": name})  # names only a default VPC's group: none here
        with self._store.read() as tx:
            found = tx.networks.groups(ctx.principal.account_id)
        listing = Listing[SecurityGroup](
            "GroupIds",
            "SecurityGroups",
            lambda g: g.group_id,
            no_group,
            _attributes,
            lambda g: g.tags,
            self.render,
        )
        return listing.describe(found, request)  # fmt: skip

    def delete_security_group(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        group_id = group_id_of(request)
        account = ctx.principal.account_id
        with self._store.write() as tx:
            group = load_group(tx, account, group_id)
            if group.is_default:
                raise CannotDeleteError(
                    f'the specified group: "{group_id}" name: "default" cannot be deleted by a user'
                )
            for other in tx.networks.groups(account):
                if other.group_id != group_id and any(
                    rule.group_id == group_id for rule in other.rules
                ):
                    raise DependencyViolationError(f"resource {group_id} has a dependent object")
            if used_by_a_function(tx, account, group_id) or egress_dependents.group_in_use(
                tx, account, group_id
            ):  # its functions' interfaces, a VPC endpoint's
                raise DependencyViolationError(f"resource {group_id} has a dependent object")
            check_dry_run(request)
            tx.networks.delete_group(account, group_id)
            configuration_items.record(ctx, tx, self._region, [group_id])
        return {"Return": True, "GroupId": group_id}

    def render(self, group: SecurityGroup) -> dict[str, Any]:
        account = group.account_id
        return {
            "GroupId": group.group_id,
            "GroupName": group.name,
            "Description": group.description,
            "VpcId": group.vpc_id,
            "OwnerId": account,
            "SecurityGroupArn": self._arn(group),
            "IpPermissions": to_permissions((r for r in group.rules if not r.egress), account),
            "IpPermissionsEgress": to_permissions((r for r in group.rules if r.egress), account),
            **rendered_tags(group.tags),
        }

    def _arn(self, group: SecurityGroup) -> str:
        return arn(self._region, group.account_id, ResourceKind.SECURITY_GROUP, group.group_id)


def _attributes(group: SecurityGroup) -> dict[str, list[str]]:
    # The filter names of DescribeSecurityGroups in the EC2 API reference this slice knows.
    return {
        "group-id": [group.group_id],
        "group-name": [group.name],
        "description": [group.description],
        "vpc-id": [group.vpc_id],
        "owner-id": [group.account_id],
    }
