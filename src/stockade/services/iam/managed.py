"""Stockade-managed policies: AWS-managed equivalents under `arn:aws:iam::aws:policy/`.

They live in code, not in the store: every account sees the same ones, nobody can change them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy/"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class AwsManagedPolicy:
    name: str
    policy_id: str
    description: str
    document: str
    path: str = "/"

    @property
    def arn(self) -> str:
        return f"{AWS_POLICY_PREFIX}{self.path.lstrip('/')}{self.name}"


def _doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=4)


ADMINISTRATOR_ACCESS = AwsManagedPolicy(
    "AdministratorAccess",
    "ANPAIWMBCKSKIEE64ZLYK",
    "Provides full access to Stockade services and resources.",
    _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
)
LAMBDA_BASIC_EXECUTION = AwsManagedPolicy(
    "AWSLambdaBasicExecutionRole",
    "ANPAJNCQGXC42545SKXIK",
    "Provides write permissions to CloudWatch Logs.",
    _doc(
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ),
    path="/service-role/",
)
LAMBDA_FULL_ACCESS = AwsManagedPolicy(
    "AWSLambda_FullAccess",
    "ANPAZKAPJZG4LSUBVCG5P",
    "Grants full access to AWS Lambda service, AWS Lambda console features, and other related"
    " AWS services.",
    _doc(
        {"Effect": "Allow", "Action": ["lambda:*", "logs:*"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        },
        {
            "Effect": "Allow",
            "Action": [
                "iam:GetRole",
                "iam:GetPolicy",
                "iam:GetPolicyVersion",
                "iam:ListRoles",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:GetRolePolicy",
            ],
            "Resource": "*",
        },
    ),
)
LAMBDA_READ_ONLY = AwsManagedPolicy(
    "AWSLambda_ReadOnlyAccess",
    "ANPAZKAPJZG4MW35THVLF",
    "Grants read-only access to AWS Lambda service, AWS Lambda console features, and other"
    " related AWS services.",
    _doc(
        {
            "Effect": "Allow",
            "Action": [
                "lambda:Get*",
                "lambda:List*",
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
                "logs:FilterLogEvents",
                "logs:StartQuery",
                "logs:StopQuery",
                "logs:GetQueryResults",
            ],
            "Resource": "*",
        },
    ),
)

AWS_MANAGED: dict[str, AwsManagedPolicy] = {
    p.arn: p
    for p in (ADMINISTRATOR_ACCESS, LAMBDA_BASIC_EXECUTION, LAMBDA_FULL_ACCESS, LAMBDA_READ_ONLY)
}
