"""Key policies: the defaults KMS writes, parsing, and the condition keys of KMS requests.

A key policy is the key's resource policy and, as in AWS, it is required (see `scopes`).
Requests carry `kms:CallerAccount`, `kms:ViaService` (when a service such as Lambda acts for
the caller), `kms:EncryptionContext:<key>` and `kms:EncryptionContextKeys`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache

from stockade import policy
from stockade.policy import AttachedPolicy, PolicyKind
from stockade.services.context import RequestContext
from stockade.services.kms.errors import MalformedPolicyDocumentError
from stockade.store.key_ports import KeyRecord

POLICY_MAX = 32768


def default_key_policy(account: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        },
        indent=2,
    )


def service_key_policy(account: str, service: str, region: str) -> str:
    """The policy of an AWS managed key (`aws/<service>`): use only through the service."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": f"auto-aws{service}",
            "Statement": [
                {
                    "Sid": f"Allow access through AWS {service} for all principals in the account"
                    f" that are authorized to use AWS {service}",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*",
                               "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {
                            "kms:CallerAccount": account,
                            "kms:ViaService": f"{service}.{region}.amazonaws.com",
                        }
                    },
                },
                {
                    "Sid": "Allow direct access to key metadata to the account",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                    "Resource": "*",
                },
            ],
        },
        indent=2,
    )  # fmt: skip


@lru_cache(maxsize=1024)
def parse_key_policy(text: str) -> policy.PolicyDocument:
    if len(text) > POLICY_MAX:
        raise MalformedPolicyDocumentError(
            f"The key policy is longer than {POLICY_MAX} characters."
        )
    try:
        return policy.parse_policy(text, PolicyKind.RESOURCE)
    except policy.MalformedPolicyDocumentError as exc:
        raise MalformedPolicyDocumentError(exc.message) from exc


def request_keys(
    ctx: RequestContext,
    encryption_context: Mapping[str, str] | None = None,
    via_service: str | None = None,
) -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {"kms:CallerAccount": (ctx.principal.account_id,)}
    if via_service is not None:
        keys["kms:ViaService"] = (via_service,)
    if encryption_context:
        keys["kms:EncryptionContextKeys"] = tuple(sorted(encryption_context))
        for name, value in encryption_context.items():
            keys[f"kms:EncryptionContext:{name}"] = (value,)
    return keys


def attached(key: KeyRecord, grant: str | None = None) -> AttachedPolicy:
    if grant is None:
        return AttachedPolicy(key.arn, parse_key_policy(key.policy))
    return AttachedPolicy(key.arn, _with_grant(key.policy, grant))


@lru_cache(maxsize=1024)
def _with_grant(key_policy: str, grant: str) -> policy.PolicyDocument:
    document = json.loads(key_policy)
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    merged = {**document, "Statement": [*statements, json.loads(grant)]}
    return policy.parse_policy(json.dumps(merged), PolicyKind.RESOURCE)
