"""DescribeVpcEndpointServices: the services an interface endpoint can reach, which are the
platform's own APIs (`com.amazonaws.<region>.<service>`, as AWS names its services' endpoint
services; EC2 API reference, "DescribeVpcEndpointServices")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stockade.services.context import RequestContext
from stockade.services.ec2.common import Request, check_dry_run
from stockade.services.ec2.describing import Listing
from stockade.services.ec2.errors import InvalidServiceNameError

# The regional APIs this server serves (IAM's endpoint service is global in AWS: not offered).
SERVED_APIS = ("cloudtrail", "ec2", "kms", "lambda", "logs", "signer", "sqs", "sts")
ZONES = "abcdef"  # as subnets.ZONES


def no_service(name: str) -> InvalidServiceNameError:
    return InvalidServiceNameError(f"The Vpc Endpoint Service '{name[:128]}' does not exist")


@dataclass(frozen=True)
class EndpointService:
    name: str  # com.amazonaws.<region>.<api>
    api: str
    region: str

    @property
    def private_dns_name(self) -> str:
        return f"{self.api}.{self.region}.amazonaws.com"

    @property
    def base_dns_name(self) -> str:
        return f"{self.api}.{self.region}.vpce.amazonaws.com"


class EndpointServices:
    def __init__(self, region: str, apis: Sequence[str] = SERVED_APIS) -> None:
        self._region = region
        self._by_name = {
            f"com.amazonaws.{region}.{api}": EndpointService(
                f"com.amazonaws.{region}.{api}", api, region
            )
            for api in sorted(apis)
        }

    def of(self, name: str) -> EndpointService:
        """The service a stored endpoint names, served still or not."""
        return self._by_name.get(name) or EndpointService(
            name, name.rpartition(".")[2], self._region
        )

    def find(self, name: str) -> EndpointService:
        found = self._by_name.get(name)
        if found is None:
            raise no_service(name)
        return found

    def describe_vpc_endpoint_services(
        self, ctx: RequestContext, request: Request
    ) -> dict[str, Any]:
        check_dry_run(request)
        listing = Listing[EndpointService](
            "ServiceNames", "ServiceDetails", lambda s: s.name, no_service, _attributes,
            lambda s: (), self.render)  # fmt: skip
        answer = listing.describe(list(self._by_name.values()), request)
        answer["ServiceNames"] = [d["ServiceName"] for d in answer["ServiceDetails"]]
        return answer

    def render(self, service: EndpointService) -> dict[str, Any]:
        return {
            "ServiceName": service.name,
            "ServiceType": [{"ServiceType": "Interface"}],
            "ServiceRegion": self._region,
            "AvailabilityZones": [f"{self._region}{z}" for z in ZONES],
            "Owner": "amazon",
            "BaseEndpointDnsNames": [service.base_dns_name],
            "PrivateDnsName": service.private_dns_name,
            "PrivateDnsNames": [{"PrivateDnsName": service.private_dns_name}],
            "VpcEndpointPolicySupported": False,
            "AcceptanceRequired": False,
            "ManagesVpcEndpoints": False,
            "PrivateDnsNameVerificationState": "verified",
            "SupportedIpAddressTypes": ["ipv4"],
        }


def _attributes(service: EndpointService) -> dict[str, list[str]]:
    # The filter names of DescribeVpcEndpointServices in the EC2 API reference.
    return {
        "service-name": [service.name],
        "service-type": ["Interface"],
        "owner": ["amazon"],
        "service-region": [service.region],
        "supported-ip-address-types": ["ipv4"],
    }
