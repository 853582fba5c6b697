"""RotateSecret and CancelRotateSecret: a secret's rotation configuration, and starting one.

    RotateSecret: rules (if given) and function (given, else the stored one; none at all:
    InvalidRequestException) -> refused while a rotation is in progress -> refused if Secrets
    Manager may not invoke the function (AccessDeniedException, nothing stored; AWS's recorded
    answer has status 400, but the code's common status, 403, is kept for every
    AccessDeniedException here)
    -> stored, RotationEnabled; RotateImmediately (default true): the token's version staged
    AWSPENDING, empty, and the rotation due now (the runner runs it, asynchronously as on
    AWS); else the next rotation due when the schedule's next window opens.
    CancelRotateSecret: rotation off (the function and rules stay, as does a version an
    unfinished rotation left AWSPENDING, whose id it answers for the caller to clean up).

The caller also needs lambda:InvokeFunction on the function (declared in service.py). With
RotateImmediately false AWS runs the function's testSecret step alone as a check; that check
is not run here (the rotation configuration is stored and scheduled).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from stockade.domain.secrets import Secret
from stockade.services.context import RequestContext
from stockade.services.secretsmanager.configuration_items import saved
from stockade.services.secretsmanager.errors import (
    AccessDeniedError,
    InvalidRequestError,
    ResourceExistsError,
)
from stockade.services.secretsmanager.lookup import usable
from stockade.services.secretsmanager.render import named
from stockade.services.secretsmanager.rotation_rules import next_window, parse_rules
from stockade.services.secretsmanager.rotation_state import (
    CANNOT_INVOKE,
    RotationFunctions,
    in_progress,
    with_placeholder,
)
from stockade.services.secretsmanager.values import version_id
from stockade.shapes import secretsmanager as shapes
from stockade.store.ports import Store

_UNSUPPORTED = ("ExternalSecretRotationMetadata", "ExternalSecretRotationRoleArn")
NO_FUNCTION = "No Lambda rotation function ARN is associated with this secret."
IN_PROGRESS = "A previous rotation isn't complete. That rotation will be reattempted."


class SecretRotation:
    def __init__(self, store: Store, functions: RotationFunctions) -> None:
        self._store = store
        self._functions = functions

    def rotate_secret(
        self, ctx: RequestContext, request: shapes.RotateSecretRequest
    ) -> shapes.RotateSecretResponse:
        given = [key for key in _UNSUPPORTED if key in request]
        if given:
            raise InvalidRequestError(f"{given[0]} is not supported by this service.")
        rules = parse_rules(request["RotationRules"]) if "RotationRules" in request else None
        immediately = request.get("RotateImmediately", True)
        token = version_id(request)
        with self._store.read() as tx:
            secret = usable(tx, ctx, request["SecretId"])
        function_arn = request.get("RotationLambdaARN") or secret.rotation_lambda_arn
        if not function_arn:
            raise InvalidRequestError(NO_FUNCTION)
        if in_progress(secret) is not None:
            self._reattempt(secret, ctx.received_at)
            raise InvalidRequestError(IN_PROGRESS)
        if not self._functions.invocable(function_arn, secret.arn):
            raise AccessDeniedError(CANNOT_INVOKE)
        now = ctx.received_at
        with self._store.write() as tx:
            current = usable(tx, ctx, request["SecretId"])
            _refuse_if_rotating(current)
            rules = rules or current.rotation_rules
            changed = replace(
                current, rotation_enabled=True, rotation_lambda_arn=function_arn,
                rotation_rules=rules, last_changed=now, rotation_failures=0,
            )  # fmt: skip
            window = None if rules is None else next_window(rules, now, current.last_rotated)
            if window is not None:
                changed = replace(changed, next_rotation=window.closes, rotation_due=window.opens)
            if immediately:
                if current.version(token) is not None:
                    raise ResourceExistsError(
                        f"You can't use ClientRequestToken {token} because that value is"
                        f" already in use for a version of secret {current.arn}."
                    )
                changed = replace(changed, versions=with_placeholder(current, token, now),
                                  rotation_token=token, rotation_due=now)  # fmt: skip
            saved(ctx, tx, changed)
        out: dict[str, Any] = named(changed)
        if immediately:
            out["VersionId"] = token
        return out  # type: ignore[return-value]

    def _reattempt(self, secret: Secret, now: datetime) -> None:
        """What the refusal promises: an unfinished rotation that nothing will try again (its
        attempts used up, no window to come) is due again now, with its own version id."""
        with self._store.write() as tx:
            current = tx.secrets.get(secret.account_id, secret.name)
            if current is None or current.arn != secret.arn or not current.rotation_enabled:
                return
            unfinished = in_progress(current)
            if unfinished is None or current.rotation_due is not None:
                return
            tx.secrets.put(replace(current, rotation_due=now,
                                   rotation_token=unfinished.version_id))  # fmt: skip

    def cancel_rotate_secret(
        self, ctx: RequestContext, request: shapes.CancelRotateSecretRequest
    ) -> shapes.CancelRotateSecretResponse:
        with self._store.write() as tx:
            secret = usable(tx, ctx, request["SecretId"])
            unfinished = in_progress(secret)
            saved(ctx, tx, replace(
                secret, rotation_enabled=False, next_rotation=None, rotation_due=None,
                rotation_token=None, rotation_failures=0, last_changed=ctx.received_at,
            ))  # fmt: skip
        out: dict[str, Any] = named(secret)
        if unfinished is not None:
            out["VersionId"] = unfinished.version_id
        return out  # type: ignore[return-value]


def _refuse_if_rotating(secret: Secret) -> None:
    if in_progress(secret) is not None:
        raise InvalidRequestError(IN_PROGRESS)
