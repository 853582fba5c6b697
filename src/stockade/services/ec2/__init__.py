"""The EC2-compatible network API subset (EC2 protocol): VPCs, subnets, security groups,
route tables, and the network interfaces of functions in a VPC; control plane only. The data
plane reads what it needs through `StoreVpcResolver` and is told of changes through the
service's `NetworkChanges`."""

from __future__ import annotations

from stockade.services.ec2.service import Ec2Service
from stockade.services.ec2.vpc_resolver import StoreVpcResolver

__all__ = ["Ec2Service", "StoreVpcResolver"]
