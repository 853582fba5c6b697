"""How Secrets Manager shows a secret: DescribeSecret's answer and ListSecrets' entries."""

from __future__ import annotations

from typing import Any

from stockade.domain.secrets import Secret
from stockade.services.secretsmanager.stages import version_stages


def tag_list(tags: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags]


def described(secret: Secret, *, listed: bool = False) -> dict[str, Any]:
    """The secret's metadata (never a value); `listed`: as a ListSecrets entry."""
    out: dict[str, Any] = {
        "ARN": secret.arn,
        "Name": secret.name,
        "CreatedDate": secret.created,
        "LastChangedDate": secret.last_changed,
    }
    optional: dict[str, Any] = {
        "Description": secret.description,
        "KmsKeyId": secret.kms_key_id,
        "LastAccessedDate": secret.last_accessed,
        "DeletedDate": secret.deletion_date,
        "RotationLambdaARN": secret.rotation_lambda_arn,
        "LastRotatedDate": secret.last_rotated,
        "NextRotationDate": secret.next_rotation,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    if secret.rotation_configured:  # never configured: AWS shows no RotationEnabled at all
        out["RotationEnabled"] = secret.rotation_enabled
    rules = secret.rotation_rules
    if rules is not None:
        shown: dict[str, Any] = {
            "AutomaticallyAfterDays": rules.automatically_after_days,
            "Duration": rules.duration,
            "ScheduleExpression": rules.schedule_expression,
        }
        out["RotationRules"] = {k: v for k, v in shown.items() if v is not None}
    if secret.tags:
        out["Tags"] = tag_list(secret.tags)
    stages = version_stages(secret.versions)
    if stages:
        out["SecretVersionsToStages" if listed else "VersionIdsToStages"] = stages
    return out


def named(secret: Secret) -> dict[str, Any]:
    return {"ARN": secret.arn, "Name": secret.name}
