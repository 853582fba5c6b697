"""Domain values rendered as Lambda's response shapes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stockade.domain.function import Alias, FunctionVersion, LayerAttachment
from stockade.domain.function_lifecycle import reasons
from stockade.domain.layer import LayerVersion
from stockade.services.context import RequestContext
from stockade.services.lambda_ import logging_config, runtime_management, vpc_config
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.tenancy import shown as tenancy_shown
from stockade.shapes import lambda_ as shapes


def lambda_time(moment: datetime) -> str:
    """Lambda's `LastModified` form: 2024-05-01T12:34:56.789+0000."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def shown(
    deps: LambdaDeps,
    ctx: RequestContext,
    version: FunctionVersion,
    *,
    listed: bool = False,
    qualified_latest: bool = False,
) -> shapes.FunctionConfiguration:
    """A version's configuration as `ctx`'s caller sees it (variables only if it may decrypt).

    `listed`: an entry of ListFunctions/ListVersionsByFunction, which Lambda gives without the
    state members ("To get the additional fields (State, StateReasonCode, StateReason,
    LastUpdateStatus, ...) for a function or version, use GetFunction", ListFunctions API
    reference; recorded ListVersionsByFunction answers agree).
    `qualified_latest`: $LATEST named as such (Qualifier=$LATEST, a list of versions), which
    Lambda answers with the ARN ending in :$LATEST."""
    environment = deps.environments.describe(
        ctx, version.unqualified_arn(deps.region), version.config
    )
    if environment is None and version.config.environment_set:
        environment = {"Variables": {}}  # set empty: Lambda echoes it (recorded responses)
    shown_config = configuration(version, deps.region, environment, listed, qualified_latest)
    runtime_version = None if listed else runtime_management.version_config(deps, version)
    if runtime_version is not None:  # list entries leave it out, as Lambda's do
        shown_config = {**shown_config, "RuntimeVersionConfig": runtime_version}
    return shown_config


def configuration(
    version: FunctionVersion,
    region: str,
    environment: Mapping[str, Any] | None = None,
    listed: bool = False,
    qualified_latest: bool = False,
) -> shapes.FunctionConfiguration:
    """`environment`: Lambda's EnvironmentResponse (variables, or why they are not shown)."""
    config = version.config
    unqualified = version.is_latest and not qualified_latest
    arn = version.unqualified_arn(region) if unqualified else version.arn(region)
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
        **({"VpcConfig": vpc_config.shown(config.vpc)} if config.vpc is not None else {}),
        "TracingConfig": {"Mode": config.tracing_mode},
        **(
            {"DeadLetterConfig": {"TargetArn": config.dead_letter_arn}}
            if config.dead_letter_arn
            else {}
        ),
        "RevisionId": version.revision_id,
        "PackageType": "Zip",
        "Architectures": [config.architecture],
        "EphemeralStorage": {"Size": config.ephemeral_storage},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": logging_config.shown(version),
    }
    if config.tenancy is not None:
        result = {**result, "TenancyConfig": tenancy_shown(config.tenancy)}
    if not listed:
        result = {**result, **_state(version)}
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


def _state(version: FunctionVersion) -> shapes.FunctionConfiguration:
    """State and LastUpdateStatus, with the reasons Lambda gives while they are in transition."""
    why = reasons(version)
    result: shapes.FunctionConfiguration = {"State": version.state.value}
    if why.state_reason is not None and why.state_reason_code is not None:
        result = {
            **result,
            "StateReason": why.state_reason,
            "StateReasonCode": why.state_reason_code,
        }
    if why.shows_update_status:
        result = {**result, "LastUpdateStatus": version.last_update_status.value}
    if why.update_reason is not None and why.update_reason_code is not None:
        result = {
            **result,
            "LastUpdateStatusReason": why.update_reason,
            "LastUpdateStatusReasonCode": why.update_reason_code,
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
