"""What Stockade says on the wire comes from botocore's models, not from memory."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import botocore.session
import pytest

import stockade
from stockade.errors import ApiError
from tests.support.server import REPO

# Errors every AWS endpoint may return that service models do not list (AWS "common errors").
COMMON_ERRORS = {
    "AccessDeniedException": 403,
    "IncompleteSignatureException": 400,
    "InvalidSignatureException": 403,
    "MissingAuthenticationTokenException": 403,
    "UnrecognizedClientException": 403,
    "ExpiredTokenException": 403,
    "UnknownOperationException": 404,
    "NotImplemented": 501,
    "ValidationException": 400,
    "SerializationException": 400,
    "InternalFailure": 500,
    # Lambda's front end refuses oversized bodies with this (unmodelled) code and the message
    # "Request must be smaller than N bytes for the OPERATION operation".
    "RequestEntityTooLargeException": 413,
}

# EC2's model names no errors: its codes are the ones "Error codes for the Amazon EC2 API"
# lists (client errors 400-series: 400 but UnauthorizedOperation's 403 and a permitted dry
# run's 412; InternalError a 500).
EC2_ERRORS = {
    **dict.fromkeys(
        ("InvalidParameterValue", "MissingParameter", "InvalidParameterCombination",
         "InvalidVpcID.NotFound", "InvalidVpc.Range", "InvalidSubnetID.NotFound",
         "InvalidSubnet.Range", "InvalidSubnet.Conflict", "InvalidGroup.NotFound",
         "InvalidGroup.Duplicate", "InvalidGroupId.Malformed", "InvalidPermission.Duplicate",
         "InvalidPermission.NotFound", "InvalidSecurityGroupRuleId.NotFound",
         "DependencyViolation", "CannotDelete", "InvalidID", "TagLimitExceeded",
         "VPCIdNotSpecified", "UnsupportedOperation", "VpcLimitExceeded", "SubnetLimitExceeded",
         "SecurityGroupLimitExceeded", "RulesPerSecurityGroupLimitExceeded",
         "InvalidInternetGatewayID.NotFound", "Resource.AlreadyAssociated",
         "Gateway.NotAttached", "InternetGatewayLimitExceeded", "InvalidRouteTableID.NotFound",
         "RouteAlreadyExists", "InvalidRoute.NotFound", "InvalidAssociationID.NotFound",
         "RouteTableLimitExceeded", "RouteLimitExceeded",
         "InvalidParameter", "FlowLogAlreadyExists", "FlowLogsLimitExceeded",  # flow logs
         # Elastic IPs, NAT gateways, VPC endpoints
         "InvalidAllocationID.NotFound", "InvalidAddress.NotFound", "InvalidIPAddress.InUse",
         "AddressLimitExceeded", "InvalidNatGatewayID.NotFound", "NatGatewayLimitExceeded",
         "InsufficientFreeAddressesInSubnet", "InvalidVpcEndpointId.NotFound",
         "InvalidServiceName", "VpcEndpointLimitExceeded", "DuplicateSubnetsInSameZone"),
        400,
    ),
    "UnauthorizedOperation": 403,
    "DryRunOperation": 412,
    "InternalError": 500,
}  # fmt: skip
# Function networking: DescribeNetworkInterfaces of an unknown id.
EC2_ERRORS["InvalidNetworkInterfaceID.NotFound"] = 400

# S3's model names only a few errors: its codes and statuses are the ones "Error responses"
# (S3 API Reference, "List of error codes") lists, the edge's refusals of a signature or a
# payload among them. (NotModified: the 304 S3 answers with no body.)
S3_ERRORS = {
    **dict.fromkeys(
        ("MalformedXML", "InvalidArgument", "InvalidBucketName", "InvalidRequest", "InvalidURI",
         "EntityTooLarge", "EntityTooSmall", "InvalidPart", "InvalidPartOrder", "BadDigest",
         "InvalidDigest", "KeyTooLongError", "InvalidTag", "MalformedPolicy",
         "InvalidStorageClass", "InvalidLocationConstraint",
         "IllegalLocationConstraintException", "MissingSecurityHeader", "IncompleteBody",
         "AuthorizationHeaderMalformed", "AuthorizationQueryParametersError",
         "XAmzContentSHA256Mismatch", "UnexpectedContent", "InvalidEncryptionAlgorithmError",
         "ExpiredToken", "InvalidToken", "MalformedTrailerError"),
        400,
    ),
    **dict.fromkeys(
        ("AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestTimeTooSkewed",
         "InvalidChunkSizeError"),
        403,
    ),
    **dict.fromkeys(
        ("NoSuchVersion", "NoSuchBucketPolicy", "NoSuchTagSet", "NoSuchLifecycleConfiguration",
         "NoSuchPublicAccessBlockConfiguration",
         "ServerSideEncryptionConfigurationNotFoundError"),
        404,
    ),
    "MethodNotAllowed": 405,
    **dict.fromkeys(("BucketNotEmpty", "OperationAborted", "ConditionalRequestConflict"), 409),
    "MissingContentLength": 411,
    "PreconditionFailed": 412,
    **dict.fromkeys(("InvalidRange", "InvalidPartNumber"), 416),
    "NotModified": 304,
    "InternalError": 500,
    "NotImplemented": 501,
}  # fmt: skip


def every_api_error() -> list[type[ApiError]]:
    for module in pkgutil.walk_packages(stockade.__path__, "stockade."):
        # Skip entry points, and guest code (it runs inside the sandbox only).
        if not module.name.endswith("__main__") and ".sandbox.guest" not in module.name:
            importlib.import_module(module.name)
    found: list[type[ApiError]] = []
    pending = list(ApiError.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "code" in vars(cls) or "http_status" in vars(cls):
            found.append(cls)
    return found


def modelled_errors(services: tuple[str, ...] = ("lambda", "iam", "sts", "sqs")) -> dict[str, int]:
    loader = botocore.session.get_session().get_component("data_loader")
    errors: dict[str, int] = {}
    for service in services:
        shapes = loader.load_service_model(service, "service-2")["shapes"]
        for shape_name, shape in shapes.items():
            if shape.get("exception"):
                # First model wins: sqs leaves statuses out (400) of names Lambda also uses.
                # A fault with no status is a 5xx (AWS documents 500 for KMS's and Logs').
                default = 500 if shape.get("fault") else 400
                errors.setdefault(shape_name, shape.get("error", {}).get("httpStatusCode", default))
    return errors


@pytest.mark.parametrize("error", every_api_error(), ids=lambda cls: cls.__qualname__)
def test_error_codes_and_statuses_come_from_the_models(error: type[ApiError]) -> None:
    # Common errors win: the sts model lists ExpiredTokenException as 400, while an expired
    # token at the signature check is a 403 on every AWS endpoint.
    # KMS's errors are KMS's own (its KMSInvalidStateException is a 400, Lambda's a 502);
    # Signer's too (its ResourceNotFoundException is a 404 like Lambda's, but its own).
    own = {
        "stockade.services.kms.": ("kms",),
        "stockade.services.logs.": ("logs",),
        "stockade.services.signer.": ("signer",),
        "stockade.services.cloudtrail.": ("cloudtrail",),
        "stockade.services.events.": ("events",),
        "stockade.services.ssm.": ("ssm",),
        "stockade.services.secretsmanager.": ("secretsmanager",),
    }
    models = next((m for p, m in own.items() if error.__module__.startswith(p)), None)
    named = getattr(error, "service", "")  # an internal error declares whose model names it
    models = (named,) if isinstance(named, str) and named else models
    known = {**(modelled_errors(models) if models else modelled_errors()), **COMMON_ERRORS}
    if error.__module__.startswith("stockade.services.ec2."):
        known = {**EC2_ERRORS, **COMMON_ERRORS}
    if error.__module__.startswith("stockade.services.s3."):
        known = {**modelled_errors(("s3",)), **S3_ERRORS, **COMMON_ERRORS}
    assert error.code in known, f"{error.code} is neither modelled nor a common AWS error"
    assert error.http_status == known[error.code], error.code


@pytest.mark.parametrize("script", ["generate_shapes.py", "generate_service_catalog.py"])
def test_generated_files_are_current(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / script), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dependency_direction_is_kept() -> None:
    lint_imports = REPO / ".venv" / "bin" / "lint-imports"
    command = [str(lint_imports)] if lint_imports.exists() else ["lint-imports"]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
