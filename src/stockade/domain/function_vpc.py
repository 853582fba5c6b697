"""A function's VpcConfig, as stored on its configuration.

Lambda answers a function that was never given a VpcConfig without the member, and one whose
VpcConfig was set empty (both lists empty: the attachment removed) with empty lists and VpcId
"" (answers recorded from AWS). `FunctionConfig.vpc` is None in the first case and an empty
`FunctionVpc` in the second, so both answers can be given.
"""

from __future__ import annotations

from dataclasses import dataclass

SUBNETS_MAX = 16  # VpcConfig.SubnetIds: "Maximum number of 16 items" (Lambda API reference)
SECURITY_GROUPS_MAX = 5  # VpcConfig.SecurityGroupIds: "Maximum number of 5 items"


@dataclass(frozen=True)
class FunctionVpc:
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    vpc_id: str = ""  # the VPC the subnets and groups are in; "" when detached
    ipv6_allowed_for_dual_stack: bool = False

    @property
    def attached(self) -> bool:
        """Whether environments join the VPC (an empty VpcConfig removes the attachment)."""
        return bool(self.subnet_ids)

    def uses(self, resource_id: str) -> bool:
        return resource_id in self.subnet_ids or resource_id in self.security_group_ids
