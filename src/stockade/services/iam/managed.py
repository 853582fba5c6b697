"""AWS managed policies under `arn:aws:iam::aws:policy/`, with AWS's own documents.

They are data (`aws_managed_policies.json`), read once: every account sees the same ones and
nobody can change them. Names, paths (`/job-function/`, `/service-role/`), default version ids,
dates and documents are AWS's, as AWS publishes them (the "AWS managed policy reference", and
the copy of AWS's documents the `moto` package ships as `moto/iam/aws_managed_policies.py`);
policy ids are AWS's where a published listing shows them (`aws iam list-policies` output).
Three newer policies (AWSLambdaSQSQueueExecutionRole, AWSCloudTrail_FullAccess,
AWSCloudTrail_ReadOnlyAccess) have no id on record here: theirs is derived from the name, in
AWS's form. Only the default version's document is kept, so it is the only version shown.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy/"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)  # a policy without dates of its own
_DATA = "aws_managed_policies.json"


@dataclass(frozen=True)
class AwsManagedPolicy:
    name: str
    policy_id: str
    description: str
    document: str
    path: str = "/"
    default_version: str = "v1"
    created: datetime = CREATED
    updated: datetime = CREATED

    @property
    def arn(self) -> str:
        return f"{AWS_POLICY_PREFIX}{self.path.lstrip('/')}{self.name}"


def _derived_id(name: str) -> str:
    """An id in AWS's form (ANPA + 17 base32 characters) for a policy whose id is unknown."""
    digest = base64.b32encode(hashlib.sha256(name.encode()).digest()).decode()
    return f"ANPA{digest[:17]}"


def _policy(entry: dict[str, Any]) -> AwsManagedPolicy:
    name = str(entry["PolicyName"])
    return AwsManagedPolicy(
        name=name,
        policy_id=str(entry["PolicyId"] or _derived_id(name)),
        description=str(entry["Description"]),
        # One line: ReadOnlyAccess indented would pass the policy parser's 128 KB bound.
        document=json.dumps(entry["Document"]),
        path=str(entry["Path"]),
        default_version=str(entry["DefaultVersionId"]),
        created=datetime.fromisoformat(entry["CreateDate"]),
        updated=datetime.fromisoformat(entry["UpdateDate"]),
    )


def _load() -> dict[str, AwsManagedPolicy]:
    text = resources.files(__package__).joinpath(_DATA).read_text(encoding="utf-8")
    policies = (_policy(entry) for entry in json.loads(text))
    return {p.arn: p for p in policies}


AWS_MANAGED: dict[str, AwsManagedPolicy] = _load()
ADMINISTRATOR_ACCESS = AWS_MANAGED[f"{AWS_POLICY_PREFIX}AdministratorAccess"]
LAMBDA_BASIC_EXECUTION = AWS_MANAGED[f"{AWS_POLICY_PREFIX}service-role/AWSLambdaBasicExecutionRole"]
