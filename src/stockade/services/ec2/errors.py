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
    ├── DryRunOperationError        412 DryRunOperation (a permitted dry run)
    ├── TagLimitExceededError, VpcIdNotSpecifiedError, UnsupportedOperationError
    ├── UnauthorizedOperationError  403 UnauthorizedOperation
    └── InternalFailureError        500 InternalError (receiver fault)
"""

from __future__ import annotations

from stockade.errors import ApiError


class Ec2Error(ApiError):
    http_status = 400
    sender_fault = True


class InvalidParameterValueError(Ec2Error):
    code = "InvalidParameterValue"


class MissingParameterError(Ec2Error):
    code = "MissingParameter"


class InvalidParameterCombinationError(Ec2Error):
    code = "InvalidParameterCombination"


class VpcNotFoundError(Ec2Error):
    code = "InvalidVpcID.NotFound"


class VpcRangeError(Ec2Error):
    code = "InvalidVpc.Range"


class SubnetNotFoundError(Ec2Error):
    code = "InvalidSubnetID.NotFound"


class SubnetRangeError(Ec2Error):
    code = "InvalidSubnet.Range"


class SubnetConflictError(Ec2Error):
    code = "InvalidSubnet.Conflict"


class GroupNotFoundError(Ec2Error):
    code = "InvalidGroup.NotFound"


class GroupDuplicateError(Ec2Error):
    code = "InvalidGroup.Duplicate"


class GroupIdMalformedError(Ec2Error):
    code = "InvalidGroupId.Malformed"


class PermissionDuplicateError(Ec2Error):
    code = "InvalidPermission.Duplicate"


class PermissionNotFoundError(Ec2Error):
    code = "InvalidPermission.NotFound"


class RuleNotFoundError(Ec2Error):
    code = "InvalidSecurityGroupRuleId.NotFound"


class DependencyViolationError(Ec2Error):
    code = "DependencyViolation"


class CannotDeleteError(Ec2Error):
    code = "CannotDelete"


class InvalidIdError(Ec2Error):
    code = "InvalidID"


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


class VpcIdNotSpecifiedError(Ec2Error):
    # CreateSecurityGroup without VpcId in an account without a default VPC.
    code = "VPCIdNotSpecified"


class UnsupportedOperationError(Ec2Error):
    code = "UnsupportedOperation"
