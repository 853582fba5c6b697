"""Domain values rendered as Lambda's response shapes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stockade.domain.function import Alias, FunctionVersion, LayerAttachment
from stockade.domain.layer import LayerVersion
from stockade.services.context import RequestContext
from stockade.services.lambda_ import runtime_management
from stockade.services.lambda_.deps import LambdaDeps
from stockade.shapes import lambda_ as shapes


def lambda_time(moment: datetime) -> str:
    """Lambda's `LastModified` form: 2024-05-01T12:34:56.789+0000."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def shown(
    deps: LambdaDeps, ctx: RequestContext, version: FunctionVersion
) -> shapes.FunctionConfiguration:
    """A version's configuration as `ctx`'s caller sees it (variables only if it may decrypt)."""
    environment = deps.environments.describe(
        ctx, version.unqualified_arn(deps.region), version.config
    )
    shown_config = configuration(version, deps.region, environment)
    runtime_version = runtime_management.version_config(deps, version)
    if runtime_version is not None:
        shown_config = {**shown_config, "RuntimeVersionConfig": runtime_version}
    return shown_config


def configuration(
    version: FunctionVersion, region: str, environment: Mapping[str, Any] | None = None
) -> shapes.FunctionConfiguration:
    """`environment`: Lambda's EnvironmentResponse (variables, or why they are not shown)."""
    config = version.config
    arn = version.unqualified_arn(region) if version.is_latest else version.arn(region)
    result: shapes.FunctionConfiguration = {
        "FunctionName": version.function_name,
        "FunctionArn": arn,
        "Runtime": config.runtime,
        "Role": config.role,
        "Handler": config.handler,
        "CodeSize": version.code.size,
        "Description": config.description,
        "Timeout": config.timeout,
        "MemorySize": config.memory_size,
        "LastModified": lambda_time(version.last_modified),
        "CodeSha256": version.code.sha256_base64,
        "Version": version.version,
        "TracingConfig": {"Mode": config.tracing_mode},
        **(
            {"DeadLetterConfig": {"TargetArn": config.dead_letter_arn}}
            if config.dead_letter_arn
            else {}
        ),
        "RevisionId": version.revision_id,
        "State": version.state.value,
        "LastUpdateStatus": version.last_update_status.value,
        "PackageType": "Zip",
        "Architectures": [config.architecture],
        "EphemeralStorage": {"Size": config.ephemeral_storage},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": version.log_group()},
    }
    if environment is not None:
        result = {**result, "Environment": environment}  # type: ignore[typeddict-item]
    if config.kms_key_arn:
        result = {**result, "KMSKeyArn": config.kms_key_arn}
    if config.layers:
        result = {**result, "Layers": [_layer(layer) for layer in config.layers]}
    if version.code.signature is not None:
        result = {
            **result,
            "SigningProfileVersionArn": version.code.signature.profile_version_arn,
            "SigningJobArn": version.code.signature.job_arn,
        }
    return result


def _layer(layer: LayerAttachment) -> shapes.Layer:
    shown: shapes.Layer = {"Arn": layer.arn, "CodeSize": layer.code.size}
    if layer.code.signature is not None:
        shown = {
            **shown,
            "SigningProfileVersionArn": layer.code.signature.profile_version_arn,
            "SigningJobArn": layer.code.signature.job_arn,
        }
    return shown


def alias(value: Alias, region: str) -> shapes.AliasConfiguration:
    result: shapes.AliasConfiguration = {
        "AliasArn": value.arn(region),
        "Name": value.name,
        "FunctionVersion": value.function_version,
        "Description": value.description,
        "RevisionId": value.revision_id,
    }
    if value.routing:
        result = {**result, "RoutingConfig": {"AdditionalVersionWeights": dict(value.routing)}}
    return result


def layer_version_summary(value: LayerVersion, region: str) -> shapes.LayerVersionsListItem:
    result: shapes.LayerVersionsListItem = {
        "LayerVersionArn": value.arn(region),
        "Version": value.version,
        "Description": value.description,
        "CreatedDate": lambda_time(value.created),
        "CompatibleRuntimes": list(value.compatible_runtimes),
        "CompatibleArchitectures": list(value.compatible_architectures),
    }
    if value.license_info is not None:
        result = {**result, "LicenseInfo": value.license_info}
    return result
