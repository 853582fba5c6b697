"""A rotation function written as AWS's templates write them (aws-samples/
aws-secrets-manager-rotation-lambdas, SecretsManagerRotationTemplate): it checks that rotation
is enabled and that its token is staged for rotation, creates a password with
GetRandomPassword in createSecret (PutSecretValue, AWSPENDING), does nothing in setSecret, reads
the AWSPENDING version in testSecret, and moves AWSCURRENT to it in finishSecret.

Deployed as `lambda_function.py` (handler `lambda_function.lambda_handler`) in end-to-end
tests; control tests call `handle` with an in-process client. `FAIL_STEP` (an environment
variable) makes that step fail, as a broken service would.
"""

from __future__ import annotations

import os
from typing import Any

import boto3


def lambda_handler(event: dict[str, Any], context: object) -> None:
    handle(event, boto3.client("secretsmanager"), os.environ.get("FAIL_STEP"))


def handle(event: dict[str, Any], client: Any, fail_step: str | None = None) -> None:
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    metadata = client.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError(f"Secret {arn} is not enabled for rotation")
    versions = metadata["VersionIdsToStages"]
    if token not in versions:
        raise ValueError(f"Secret version {token} has no stage for rotation of secret {arn}.")
    if "AWSCURRENT" in versions[token]:
        return  # already rotated
    if "AWSPENDING" not in versions[token]:
        raise ValueError(f"Secret version {token} not set as AWSPENDING for rotation of {arn}.")
    if step == fail_step:
        raise RuntimeError(f"{step} could not reach the service")
    if step == "createSecret":
        create_secret(client, arn, token)
    elif step == "setSecret":
        pass  # nothing outside Secrets Manager holds this secret
    elif step == "testSecret":
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    elif step == "finishSecret":
        finish_secret(client, arn, token)
    else:
        raise ValueError(f"Invalid step parameter {step}")


def create_secret(client: Any, arn: str, token: str) -> None:
    client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
    try:
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    except client.exceptions.ResourceNotFoundException:
        password = client.get_random_password(ExcludeCharacters="/@\"'\\")["RandomPassword"]
        client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=password,
                                VersionStages=["AWSPENDING"])  # fmt: skip


def finish_secret(client: Any, arn: str, token: str) -> None:
    current = None
    for version, stages in client.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
        if "AWSCURRENT" in stages:
            if version == token:
                return
            current = version
            break
    client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
    )
    client.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING",
                                       RemoveFromVersionId=token)  # fmt: skip
