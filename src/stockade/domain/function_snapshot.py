"""What a configuration item records of a function: everything that bears on its security and
compliance, in Lambda's field names, and nothing secret (environment variable names, never
values; the code's digest and size, never the code; the key ARN, never key material)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from stockade.domain.function import Function, FunctionVersion
from stockade.domain.function_vpc import FunctionVpc
from stockade.domain.resource_policy import ResourcePolicy


class NetworkMode(StrEnum):
    """How a function's environments reach the network outside a VPC (`vpcConfig` says which
    VPC, if any, they join instead)."""

    # Its own network namespace with loopback only; the one way out is the channel to the
    # Stockade API that SDKs use (AWS_ENDPOINT_URL).
    ISOLATED = "StockadeApiOnly"
    # The default network: outbound through NAT, no inbound, never the host, other
    # environments, link-local or private ranges (unless the operator opened one).
    OUTBOUND = "Outbound"
    # --unsafe-no-sandbox: functions run as host processes, with the host's network.
    HOST = "Host"


def function_configuration(
    function: Function,
    latest: FunctionVersion,
    region: str,
    policies: Mapping[str, ResourcePolicy],
    environment_names: Sequence[str],
    network: NetworkMode,
) -> dict[str, Any]:
    """The configuration of `function` ($LATEST and what belongs to the function as a whole);
    `policies` by qualifier ("" is the function's own)."""
    config = latest.config
    return {
        "functionName": function.name,
        "functionArn": latest.unqualified_arn(region),
        "runtime": config.runtime,
        "handler": config.handler,
        "role": config.role,
        "description": config.description,
        "codeSha256": latest.code.sha256_base64,
        "codeSize": latest.code.size,
        "codeSigning": {
            # The signing branch's config, when the function names one.
            "codeSigningConfigArn": function.code_signing_config_arn,
            "signingProfileVersionArn": (
                latest.code.signature.profile_version_arn if latest.code.signature else None
            ),
        },
        "memorySize": config.memory_size,
        "timeout": config.timeout,
        "ephemeralStorage": {"size": config.ephemeral_storage},
        "architectures": [config.architecture],
        "reservedConcurrentExecutions": function.reserved_concurrency,
        "environment": {
            "variableNames": sorted(environment_names),
            "encrypted": config.environment is not None,
        },
        "kmsKeyArn": config.kms_key_arn,
        "layers": [{"arn": layer.arn, "codeSize": layer.code.size} for layer in config.layers],
        "deadLetterConfig": {"targetArn": config.dead_letter_arn},
        "destinations": {
            qualifier: {
                "onSuccess": event.on_success,
                "onFailure": event.on_failure,
                "maximumRetryAttempts": event.retries,
                "maximumEventAgeInSeconds": event.max_age_s,
            }
            for qualifier, event in sorted(function.event_invoke_configs.items())
        },
        "policy": {
            (qualifier or "$function"): policy.document()
            for qualifier, policy in sorted(policies.items())
            if policy.statements
        },
        "tags": dict(sorted(function.tags.items())),
        "tracingConfig": {"mode": config.tracing_mode},
        "loggingConfig": {
            "logGroup": latest.log_group(),
            # Only JSON adds members, so a Text function's snapshot is what it always was.
            **(
                {
                    "logFormat": config.log_format,
                    "applicationLogLevel": config.application_log_level,
                    "systemLogLevel": config.system_log_level,
                }
                if config.log_format == "JSON"
                else {}
            ),
        },
        "network": {"mode": network.value, "vpcConfig": _vpc_config(config.vpc)},
    }


def _vpc_config(vpc: FunctionVpc | None) -> dict[str, Any] | None:
    """The VPC a function's environments join (None: none, its VpcConfig unset or empty)."""
    if vpc is None or not vpc.attached:
        return None
    return {
        "subnetIds": list(vpc.subnet_ids),
        "securityGroupIds": list(vpc.security_group_ids),
        "vpcId": vpc.vpc_id,
    }
