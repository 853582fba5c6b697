"""EC2's API errors: every one a 400 sender fault but the internal error, with EC2's codes
(EC2 API reference, "Error codes for the Amazon EC2 API"). EC2's model names no errors, so
the codes are what the reference lists; the kernel's refusals use the common ones.

ApiError
└── Ec2Error                        400, sender fault
    ├── InvalidParameterValueError  InvalidParameterValue (also the model's constraints)
    ├── MissingParameterError       MissingParameter
    ├── InvalidParameterCombinationError  InvalidParameterCombination
    ├── VpcNotFoundError            InvalidVpcID.NotFound
    ├── VpcRangeError               InvalidVpc.Range
    ├── SubnetNotFoundError         InvalidSubnetID.NotFound
    ├── SubnetRangeError            InvalidSubnet.Range
    ├── SubnetConflictError         InvalidSubnet.Conflict
    ├── GroupNotFoundError          InvalidGroup.NotFound
    ├── GroupDuplicateError         InvalidGroup.Duplicate
    ├── GroupIdMalformedError       InvalidGroupId.Malformed
    ├── PermissionDuplicateError    InvalidPermission.Duplicate
    ├── PermissionNotFoundError     InvalidPermission.NotFound
    ├── RuleNotFoundError           InvalidSecurityGroupRuleId.NotFound
    ├── DependencyViolationError    DependencyViolation
    ├── CannotDeleteError           CannotDelete
    ├── InvalidIdError              InvalidID (CreateTags/DeleteTags on an unknown id)
    ├── GatewayNotFoundError        InvalidInternetGatewayID.NotFound
    ├── AlreadyAssociatedError      Resource.AlreadyAssociated
    ├── GatewayNotAttachedError     Gateway.NotAttached
    ├── RouteTableNotFoundError     InvalidRouteTableID.NotFound
    ├── RouteAlreadyExistsError     RouteAlreadyExists
    ├── RouteNotFoundError          InvalidRoute.NotFound
    ├── AssociationNotFoundError    InvalidAssociationID.NotFound
    ├── InterfaceNotFoundError      InvalidNetworkInterfaceID.NotFound
    ├── AllocationNotFoundError     InvalidAllocationID.NotFound (and the other egress
    │                               errors: InvalidAddress.NotFound, InvalidIPAddress.InUse,
    │                               InvalidNatGatewayID.NotFound, InvalidVpcEndpointId.NotFound,
    │                               InvalidServiceName, DuplicateSubnetsInSameZone,
    │                               InsufficientFreeAddressesInSubnet)
    ├── DryRunOperationError        412 DryRunOperation (a permitted dry run)
    ├── InvalidParameterError       InvalidParameter (CreateFlowLogs' dependent parameters)
    ├── FlowLogAlreadyExistsError   FlowLogAlreadyExists (and FlowLogsLimitExceeded's quota)
    ├── TagLimitExceededError, VpcIdNotSpecifiedError, UnsupportedOperationError
    ├── VpcLimitExceededError and the other quotas' ...LimitExceeded errors
    ├── UnauthorizedOperationError  403 UnauthorizedOperation
    └── InternalFailureError        500 InternalError (receiver fault)
"""

from __future__ import annotations

from stockade.errors import ApiError


class Ec2Error(ApiError):
    sender_fault = True  # each declares its status: 400 but where noted


class InvalidParameterValueError(Ec2Error):
    code = "InvalidParameterValue"
    http_status = 400


class MissingParameterError(Ec2Error):
    code = "MissingParameter"
    http_status = 400


class InvalidParameterCombinationError(Ec2Error):
    code = "InvalidParameterCombination"
    http_status = 400


class VpcNotFoundError(Ec2Error):
    code = "InvalidVpcID.NotFound"
    http_status = 400


class VpcRangeError(Ec2Error):
    code = "InvalidVpc.Range"
    http_status = 400


class SubnetNotFoundError(Ec2Error):
    code = "InvalidSubnetID.NotFound"
    http_status = 400


class SubnetRangeError(Ec2Error):
    code = "InvalidSubnet.Range"
    http_status = 400


class SubnetConflictError(Ec2Error):
    code = "InvalidSubnet.Conflict"
    http_status = 400


class GroupNotFoundError(Ec2Error):
    code = "InvalidGroup.NotFound"
    http_status = 400


class GroupDuplicateError(Ec2Error):
    code = "InvalidGroup.Duplicate"
    http_status = 400


class GroupIdMalformedError(Ec2Error):
    code = "InvalidGroupId.Malformed"
    http_status = 400


class PermissionDuplicateError(Ec2Error):
    code = "InvalidPermission.Duplicate"
    http_status = 400


class PermissionNotFoundError(Ec2Error):
    code = "InvalidPermission.NotFound"
    http_status = 400


class RuleNotFoundError(Ec2Error):
    code = "InvalidSecurityGroupRuleId.NotFound"
    http_status = 400


class DependencyViolationError(Ec2Error):
    code = "DependencyViolation"
    http_status = 400


class CannotDeleteError(Ec2Error):
    code = "CannotDelete"
    http_status = 400


class InvalidIdError(Ec2Error):
    code = "InvalidID"
    http_status = 400


class UnauthorizedOperationError(Ec2Error):
    # EC2 answers a denied request with UnauthorizedOperation, 403 (not AccessDenied).
    code = "UnauthorizedOperation"
    http_status = 403


class InternalFailureError(Ec2Error):
    code = "InternalError"
    http_status = 500
    sender_fault = False


class DryRunOperationError(Ec2Error):
    # What a permitted dry run answers (EC2 reference, "DryRun").
    code = "DryRunOperation"
    http_status = 412


class TagLimitExceededError(Ec2Error):
    code = "TagLimitExceeded"
    http_status = 400


class VpcIdNotSpecifiedError(Ec2Error):
    # CreateSecurityGroup without VpcId in an account without a default VPC.
    code = "VPCIdNotSpecified"
    http_status = 400


class UnsupportedOperationError(Ec2Error):
    code = "UnsupportedOperation"
    http_status = 400


class VpcLimitExceededError(Ec2Error):
    code = "VpcLimitExceeded"
    http_status = 400


class SubnetLimitExceededError(Ec2Error):
    code = "SubnetLimitExceeded"
    http_status = 400


class SecurityGroupLimitExceededError(Ec2Error):
    code = "SecurityGroupLimitExceeded"
    http_status = 400


class RulesPerSecurityGroupLimitExceededError(Ec2Error):
    code = "RulesPerSecurityGroupLimitExceeded"
    http_status = 400


class GatewayNotFoundError(Ec2Error):
    code = "InvalidInternetGatewayID.NotFound"
    http_status = 400


class AlreadyAssociatedError(Ec2Error):
    # AttachInternetGateway of a gateway already attached, or to a VPC that has one.
    code = "Resource.AlreadyAssociated"
    http_status = 400


class GatewayNotAttachedError(Ec2Error):
    code = "Gateway.NotAttached"
    http_status = 400


class InternetGatewayLimitExceededError(Ec2Error):
    code = "InternetGatewayLimitExceeded"
    http_status = 400


class RouteTableNotFoundError(Ec2Error):
    code = "InvalidRouteTableID.NotFound"
    http_status = 400


class RouteAlreadyExistsError(Ec2Error):
    code = "RouteAlreadyExists"
    http_status = 400


class RouteNotFoundError(Ec2Error):
    code = "InvalidRoute.NotFound"
    http_status = 400


class AssociationNotFoundError(Ec2Error):
    code = "InvalidAssociationID.NotFound"
    http_status = 400


class RouteTableLimitExceededError(Ec2Error):
    code = "RouteTableLimitExceeded"
    http_status = 400


class RouteLimitExceededError(Ec2Error):
    code = "RouteLimitExceeded"
    http_status = 400


# Function networking: the interfaces of functions in a VPC.
class InterfaceNotFoundError(Ec2Error):
    code = "InvalidNetworkInterfaceID.NotFound"
    http_status = 400


# -- Elastic IPs, NAT gateways, VPC endpoints ------------------------------------------------
class AllocationNotFoundError(Ec2Error):
    code = "InvalidAllocationID.NotFound"
    http_status = 400


class AddressNotFoundError(Ec2Error):
    # DescribeAddresses/ReleaseAddress naming a PublicIp the account does not hold.
    code = "InvalidAddress.NotFound"
    http_status = 400


class AddressInUseError(Ec2Error):
    # ReleaseAddress of an address a NAT gateway holds ("ReleaseAddress", EC2 API reference).
    code = "InvalidIPAddress.InUse"
    http_status = 400


class AddressLimitExceededError(Ec2Error):
    code = "AddressLimitExceeded"
    http_status = 400


class NatGatewayNotFoundError(Ec2Error):
    code = "InvalidNatGatewayID.NotFound"
    http_status = 400


class NatGatewayLimitExceededError(Ec2Error):
    code = "NatGatewayLimitExceeded"
    http_status = 400


class InsufficientFreeAddressesError(Ec2Error):
    code = "InsufficientFreeAddressesInSubnet"
    http_status = 400


class VpcEndpointNotFoundError(Ec2Error):
    code = "InvalidVpcEndpointId.NotFound"
    http_status = 400


class InvalidServiceNameError(Ec2Error):
    code = "InvalidServiceName"
    http_status = 400


class VpcEndpointLimitExceededError(Ec2Error):
    code = "VpcEndpointLimitExceeded"
    http_status = 400


class DuplicateSubnetsInSameZoneError(Ec2Error):
    code = "DuplicateSubnetsInSameZone"
    http_status = 400


class InvalidParameterError(Ec2Error):
    # CreateFlowLogs names a bad or missing dependent parameter InvalidParameter, not
    # InvalidParameterValue ("DeliverLogsPermissionArn can't be empty if ...").
    code = "InvalidParameter"
    http_status = 400


class FlowLogAlreadyExistsError(Ec2Error):
    # A flow log of the resource to the same destination ("Error codes for the Amazon EC2 API").
    code = "FlowLogAlreadyExists"
    http_status = 400


class FlowLogsLimitExceededError(Ec2Error):
    code = "FlowLogsLimitExceeded"
    http_status = 400
