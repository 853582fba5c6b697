"""The EC2-compatible network API subset (EC2 protocol): VPCs, subnets and security groups,
control plane only; functions do not use them yet."""

from __future__ import annotations

from stockade.services.ec2.service import Ec2Service

__all__ = ["Ec2Service"]
