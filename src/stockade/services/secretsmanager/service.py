"""The Secrets Manager service, as a declared table: needs -> handler.

Each operation needs `secretsmanager:<Action>` on the secret it names, as the Service
Authorization Reference lists them: the secret's ARN (found from a name, full ARN or partial
ARN by `SecretScope`, which also brings the secret's resource policy and its tags as
`secretsmanager:ResourceTag/<key>` / `aws:ResourceTag/<key>`), with `secretsmanager:SecretId`;
CreateSecret on the ARN the new secret will have (its random suffix as `??????`) with
`secretsmanager:Name`, `secretsmanager:Description`, `secretsmanager:KmsKeyId` and the request's
tags (and TagResource too when it tags); ListSecrets, GetRandomPassword and
BatchGetSecretValue on `*` (with ListSecrets too when the batch has Filters; the batch decides
GetSecretValue on each secret through the kernel). Using the secret's KMS key is decided
separately, through Secrets Manager (`kms.for_secrets`). RotateSecret also needs
`lambda:InvokeFunction` on the rotation function (the API reference: "You also need
lambda:InvokeFunction permissions on the rotation function"), the request's or the one the
secret has.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Required, TypedDict

from typing_extensions import ReadOnly

from stockade.clock import Clock
from stockade.services.audit_log import AuditLog
from stockade.services.context import RequestContext
from stockade.services.declaration import (
    READ,
    WRITE,
    ContextKeys,
    Decider,
    Need,
    Needs,
    Operation,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.secretsmanager.errors import (
    AccessDeniedError,
    InternalServiceError,
    ValidationError,
)
from stockade.services.secretsmanager.keys import SecretKeys
from stockade.services.secretsmanager.listing import SecretListing
from stockade.services.secretsmanager.lookup import SecretScope, find
from stockade.services.secretsmanager.names import name_arn
from stockade.services.secretsmanager.passwords import Passwords
from stockade.services.secretsmanager.policies import SecretPolicies
from stockade.services.secretsmanager.reads import SecretReads
from stockade.services.secretsmanager.rotation import SecretRotation
from stockade.services.secretsmanager.rotation_runner import RotationRunner
from stockade.services.secretsmanager.rotation_state import RotationFunctions
from stockade.services.secretsmanager.secrets import SecretLifecycle
from stockade.services.secretsmanager.sweep import DeletionSweep
from stockade.services.secretsmanager.tags import SecretTags
from stockade.services.secretsmanager.values import ValueCipher
from stockade.shapes import secretsmanager as shapes
from stockade.store.ports import Store

ERRORS = ServiceErrors(AccessDeniedError, ValidationError, InternalServiceError)
_ACTION = "secretsmanager:"


class _OnSecret(TypedDict, total=False):
    SecretId: ReadOnly[Required[str]]


def _tag_keys(tags: Sequence[shapes.Tag]) -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {
        f"aws:RequestTag/{t['Key']}": (t.get("Value", ""),) for t in tags if "Key" in t
    }
    if tags:
        keys["aws:TagKeys"] = tuple(t["Key"] for t in tags if "Key" in t)
    return keys


class SecretsManagerService:
    def __init__(
        self, store: Store, region: str, keys: SecretKeys, decider: Decider,
        rotation: tuple[RotationFunctions, AuditLog, Clock] | None = None,
    ) -> None:  # fmt: skip
        self._region = region
        self._store = store
        self.scope = SecretScope(store, region)
        values = ValueCipher(keys)
        self.lifecycle = SecretLifecycle(store, region, values)
        self.reads = SecretReads(store, values, decider, self.scope)
        self.listing = SecretListing(store)
        self.tags = SecretTags(store)
        self.policies = SecretPolicies(store)
        self.passwords = Passwords()
        self.sweep = DeletionSweep(store)
        # Rotation: served when the server has functions to rotate with (not in unit tests).
        self.rotation: SecretRotation | None = None
        self.rotations: RotationRunner | None = None
        if rotation is not None:
            functions, audit, clock = rotation
            self.rotation = SecretRotation(store, functions)
            self.rotations = RotationRunner(store, functions, audit, clock, region)

    def table(self) -> ServiceTable:
        life, on = self.lifecycle, self._on_secret
        return ServiceTable.of(
            "secretsmanager",
            [
                operation("CreateSecret", life.create_secret, self._create, WRITE),
                operation("UpdateSecret", life.update_secret, self._update, WRITE),
                operation("DescribeSecret", life.describe_secret, on("DescribeSecret"), READ),
                operation("DeleteSecret", life.delete_secret, on("DeleteSecret"), WRITE),
                operation("RestoreSecret", life.restore_secret, on("RestoreSecret"), WRITE),
                operation("ListSecrets", self.listing.list_secrets, self._any("ListSecrets"),
                          READ),
                operation("GetRandomPassword", self.passwords.get_random_password,
                          self._any("GetRandomPassword"), READ),
                *self._value_operations(),
                *self._tag_operations(),
                *self._policy_operations(),
                *self._rotation_operations(),
            ],
            ERRORS,
        )  # fmt: skip

    def _value_operations(self) -> list[Operation[Any]]:
        reads, on = self.reads, self._on_secret
        return [
            operation("GetSecretValue", reads.get_secret_value, on("GetSecretValue"), READ),
            operation("BatchGetSecretValue", reads.batch_get_secret_value, self._batch, READ),
            operation("PutSecretValue", reads.put_secret_value, on("PutSecretValue"), WRITE),
            operation("ListSecretVersionIds", reads.list_secret_version_ids,
                      on("ListSecretVersionIds"), READ),
            operation("UpdateSecretVersionStage", reads.update_secret_version_stage,
                      on("UpdateSecretVersionStage"), WRITE),
        ]  # fmt: skip

    def _tag_operations(self) -> list[Operation[Any]]:
        return [
            operation("TagResource", self.tags.tag_resource, self._tagging, WRITE),
            operation("UntagResource", self.tags.untag_resource, self._untagging, WRITE),
        ]

    def _policy_operations(self) -> list[Operation[Any]]:
        p, on = self.policies, self._on_secret
        return [
            operation("PutResourcePolicy", p.put_resource_policy, self._put_policy, WRITE),
            operation("GetResourcePolicy", p.get_resource_policy, on("GetResourcePolicy"), READ),
            operation("DeleteResourcePolicy", p.delete_resource_policy,
                      on("DeleteResourcePolicy"), WRITE),
            operation("ValidateResourcePolicy", p.validate_resource_policy, self._validate,
                      READ),
        ]  # fmt: skip

    def _rotation_operations(self) -> list[Operation[Any]]:
        rotation = self.rotation
        if rotation is None:
            return []
        return [
            operation("RotateSecret", rotation.rotate_secret, self._rotate, WRITE),
            operation("CancelRotateSecret", rotation.cancel_rotate_secret,
                      self._on_secret("CancelRotateSecret"), WRITE),
        ]  # fmt: skip

    def maintain(self, now: datetime) -> int:
        """Remove secrets whose recovery window has passed; returns how many."""
        return self.sweep.run(now)

    # -- needs -------------------------------------------------------------------------------
    def _need(self, action: str, secret_id: str, extra: ContextKeys | None = None) -> Need:
        context = {"secretsmanager:SecretId": (secret_id,), **(extra or {})}
        return Need(_ACTION + action, secret_id, self.scope, context)

    def _any(self, action: str) -> Needs[Any]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            return [Need(_ACTION + action, "*")]

        return needs

    def _batch(
        self, ctx: RequestContext, request: shapes.BatchGetSecretValueRequest
    ) -> Sequence[Need]:
        """With Filters the batch lists secrets too: secretsmanager:ListSecrets as well (the
        API reference); GetSecretValue is decided on each secret by the handler's Decider."""
        needs = [Need(_ACTION + "BatchGetSecretValue", "*")]
        if "Filters" in request:
            needs.append(Need(_ACTION + "ListSecrets", "*"))
        return needs

    def _on_secret(self, action: str) -> Needs[_OnSecret]:
        def needs(ctx: RequestContext, request: _OnSecret) -> Sequence[Need]:
            return [self._need(action, request["SecretId"])]

        return needs

    def _create(self, ctx: RequestContext, request: shapes.CreateSecretRequest) -> Sequence[Need]:
        name = request["Name"]
        arn = f"{name_arn(self._region, ctx.principal.account_id, name)}-??????"
        tags = request.get("Tags", ())
        context: dict[str, tuple[str, ...]] = {"secretsmanager:Name": (name,), **_tag_keys(tags)}
        if "Description" in request:
            context["secretsmanager:Description"] = (request["Description"],)
        if "KmsKeyId" in request:
            context["secretsmanager:KmsKeyId"] = (request["KmsKeyId"],)
        needs = [Need(_ACTION + "CreateSecret", arn, context=context)]
        if tags:
            needs.append(Need(_ACTION + "TagResource", arn, context=context))
        return needs

    def _update(self, ctx: RequestContext, request: shapes.UpdateSecretRequest) -> Sequence[Need]:
        extra: dict[str, tuple[str, ...]] = {}
        if "Description" in request:
            extra["secretsmanager:Description"] = (request["Description"],)
        if "KmsKeyId" in request:
            extra["secretsmanager:KmsKeyId"] = (request["KmsKeyId"],)
        return [self._need("UpdateSecret", request["SecretId"], extra)]

    def _rotate(self, ctx: RequestContext, request: shapes.RotateSecretRequest) -> Sequence[Need]:
        """RotateSecret on the secret, and lambda:InvokeFunction on the function it will use:
        the request's, else the secret's (none: the handler answers as AWS does)."""
        needs = [self._need("RotateSecret", request["SecretId"])]
        function = request.get("RotationLambdaARN")
        if not function:
            with self._store.read() as tx:
                secret = find(tx, ctx, request["SecretId"])
            function = None if secret is None else secret.rotation_lambda_arn
        if function:
            needs.append(Need("lambda:InvokeFunction", function))
        return needs

    def _tagging(self, ctx: RequestContext, request: shapes.TagResourceRequest) -> Sequence[Need]:
        return [self._need("TagResource", request["SecretId"], _tag_keys(request["Tags"]))]

    def _untagging(
        self, ctx: RequestContext, request: shapes.UntagResourceRequest
    ) -> Sequence[Need]:
        extra = {"aws:TagKeys": tuple(request["TagKeys"])}
        return [self._need("UntagResource", request["SecretId"], extra)]

    def _put_policy(
        self, ctx: RequestContext, request: shapes.PutResourcePolicyRequest
    ) -> Sequence[Need]:
        block = "true" if request.get("BlockPublicPolicy", False) else "false"
        extra = {"secretsmanager:BlockPublicPolicy": (block,)}
        return [self._need("PutResourcePolicy", request["SecretId"], extra)]

    def _validate(
        self, ctx: RequestContext, request: shapes.ValidateResourcePolicyRequest
    ) -> Sequence[Need]:
        if "SecretId" in request:
            return [self._need("ValidateResourcePolicy", request["SecretId"])]
        return [Need(_ACTION + "ValidateResourcePolicy", "*")]
