"""Secrets Manager (boto3 `secretsmanager`, JSON protocol): secrets, versions and staging
labels, values encrypted under KMS, resource policies and tags. See docs/secrets-api.md."""

from __future__ import annotations

from stockade.services.secretsmanager.service import SecretsManagerService

__all__ = ["SecretsManagerService"]
