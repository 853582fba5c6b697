"""A secret's resource policy: PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy and
ValidateResourcePolicy.

Policies are parsed by the IAM policy language's parser (MalformedPolicyDocumentException if
it refuses them). With `BlockPublicPolicy`, a policy that lets anyone in (an Allow for `*` with
no condition tying it to an account, organisation or source: `domain.public_access`) is refused
with PublicPolicyException; ValidateResourcePolicy reports the same checks without storing.
The kernel evaluates the stored policy with the caller's policies on every request.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from stockade.domain.public_access import is_public
from stockade.domain.secrets import POLICY_BYTES_MAX
from stockade.policy import MalformedPolicyDocumentError as PolicySyntaxError
from stockade.policy import PolicyKind, parse_policy
from stockade.services.context import RequestContext
from stockade.services.secretsmanager.configuration_items import saved
from stockade.services.secretsmanager.errors import (
    MalformedPolicyDocumentError,
    PublicPolicyError,
)
from stockade.services.secretsmanager.lookup import existing, usable
from stockade.services.secretsmanager.render import named
from stockade.shapes import secretsmanager as shapes
from stockade.store.ports import Store

_PUBLIC = "This resource policy contains a statement that grants public access."


def _problems(text: str, block_public: bool) -> list[dict[str, str]]:
    if len(text.encode()) > POLICY_BYTES_MAX:
        too_long = f"The policy is longer than {POLICY_BYTES_MAX} bytes."
        return [{"CheckName": "SYNTAX_CHECK", "ErrorMessage": too_long}]
    try:
        parse_policy(text, PolicyKind.RESOURCE)
    except PolicySyntaxError as exc:
        return [{"CheckName": "SYNTAX_CHECK", "ErrorMessage": exc.message}]
    if block_public and is_public(text):
        return [{"CheckName": "PUBLIC_ACCESS_CHECK", "ErrorMessage": _PUBLIC}]
    return []


class SecretPolicies:
    def __init__(self, store: Store) -> None:
        self._store = store

    def put_resource_policy(
        self, ctx: RequestContext, request: shapes.PutResourcePolicyRequest
    ) -> shapes.PutResourcePolicyResponse:
        text = request["ResourcePolicy"]
        problems = _problems(text, request.get("BlockPublicPolicy", False))
        if problems:
            kind = problems[0]["CheckName"]
            if kind == "PUBLIC_ACCESS_CHECK":
                raise PublicPolicyError(_PUBLIC)
            raise MalformedPolicyDocumentError(problems[0]["ErrorMessage"])
        with self._store.write() as tx:
            secret = usable(tx, ctx, request["SecretId"])
            saved(ctx, tx, replace(secret, policy=text, last_changed=ctx.received_at))
        return named(secret)  # type: ignore[return-value]

    def get_resource_policy(
        self, ctx: RequestContext, request: shapes.GetResourcePolicyRequest
    ) -> shapes.GetResourcePolicyResponse:
        with self._store.read() as tx:
            secret = existing(tx, ctx, request["SecretId"])
        out: dict[str, Any] = named(secret)
        if secret.policy is not None:
            out["ResourcePolicy"] = secret.policy
        return out  # type: ignore[return-value]

    def delete_resource_policy(
        self, ctx: RequestContext, request: shapes.DeleteResourcePolicyRequest
    ) -> shapes.DeleteResourcePolicyResponse:
        with self._store.write() as tx:
            secret = usable(tx, ctx, request["SecretId"])
            if secret.policy is not None:
                saved(ctx, tx, replace(secret, policy=None, last_changed=ctx.received_at))
        return named(secret)  # type: ignore[return-value]

    def validate_resource_policy(
        self, ctx: RequestContext, request: shapes.ValidateResourcePolicyRequest
    ) -> shapes.ValidateResourcePolicyResponse:
        if "SecretId" in request:
            with self._store.read() as tx:
                existing(tx, ctx, request["SecretId"])
        problems = _problems(request["ResourcePolicy"], block_public=True)
        # ValidationErrors is always present, empty when the policy passes (AWS's example
        # output for ValidateResourcePolicy in botocore's examples-1.json).
        out: dict[str, Any] = {"PolicyValidationPassed": not problems, "ValidationErrors": problems}
        return out  # type: ignore[return-value]
