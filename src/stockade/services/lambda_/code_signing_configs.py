"""Code signing configs: which signing profile versions may publish a function's code, and
what happens to untrusted code (Warn or Enforce); attached to functions one to one."""

from __future__ import annotations

import secrets
import string
from dataclasses import replace
from typing import Any

from stockade.domain.signing import CodeSigningConfig, UntrustedArtifactPolicy
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names, tags
from stockade.services.lambda_.configuration_items import record_change
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    CodeSigningConfigNotFoundError,
    InvalidParameterValueError,
    ResourceConflictError,
    ResourceNotFoundError,
)
from stockade.services.lambda_.paging import decode_marker, encode_marker, page_size
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import Transaction
from stockade.types import AccountId

_ID_ALPHABET = string.ascii_lowercase + string.digits


class CodeSigningConfigs:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def create_code_signing_config(
        self, ctx: RequestContext, request: shapes.CreateCodeSigningConfigRequest
    ) -> shapes.CreateCodeSigningConfigResponse:
        deps = self._deps
        account = ctx.principal.account_id
        config_id = "csc-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(17))
        config = CodeSigningConfig(
            account_id=account,
            config_id=config_id,
            arn=f"arn:aws:lambda:{deps.region}:{account}:code-signing-config:{config_id}",
            allowed_publishers=_publishers(request["AllowedPublishers"]),
            policy=_policy(request.get("CodeSigningPolicies")),
            last_modified=deps.clock.now(),
            description=request.get("Description", ""),
            tags=tags.checked_tags(request.get("Tags", {})),
        )
        with deps.store.write() as tx:
            tx.code_signing_configs.put(config)
        return {"CodeSigningConfig": described(config)}

    def get_code_signing_config(
        self, ctx: RequestContext, request: shapes.GetCodeSigningConfigRequest
    ) -> shapes.GetCodeSigningConfigResponse:
        deps = self._deps
        arn = request["CodeSigningConfigArn"]
        with deps.store.read() as tx:
            config = load(tx, ctx.principal.account_id, arn, ResourceNotFoundError)
        return {"CodeSigningConfig": described(config)}

    def update_code_signing_config(
        self, ctx: RequestContext, request: shapes.UpdateCodeSigningConfigRequest
    ) -> shapes.UpdateCodeSigningConfigResponse:
        deps = self._deps
        arn = request["CodeSigningConfigArn"]
        changes: dict[str, Any] = {"last_modified": deps.clock.now()}
        if "AllowedPublishers" in request:
            changes["allowed_publishers"] = _publishers(request["AllowedPublishers"])
        if "CodeSigningPolicies" in request:
            changes["policy"] = _policy(request["CodeSigningPolicies"])
        if "Description" in request:
            changes["description"] = request["Description"]
        with deps.store.write() as tx:
            config = replace(
                load(tx, ctx.principal.account_id, arn, ResourceNotFoundError), **changes
            )
            tx.code_signing_configs.put(config)
        return {"CodeSigningConfig": described(config)}

    def delete_code_signing_config(
        self, ctx: RequestContext, request: shapes.DeleteCodeSigningConfigRequest
    ) -> None:
        deps = self._deps
        arn = request["CodeSigningConfigArn"]
        account = ctx.principal.account_id
        with deps.store.write() as tx:
            config = load(tx, account, arn, ResourceNotFoundError)
            if tx.code_signing_configs.functions_using(account, arn, None, 1):
                raise ResourceConflictError(
                    "The code signing configuration cannot be deleted because it is used by"
                    " one or more functions."
                )
            tx.code_signing_configs.delete(account, config.config_id)

    def list_code_signing_configs(
        self, ctx: RequestContext, request: shapes.ListCodeSigningConfigsRequest
    ) -> shapes.ListCodeSigningConfigsResponse:
        deps = self._deps
        limit = page_size(request.get("MaxItems"))
        after = decode_marker(request.get("Marker"), 1)
        with deps.store.read() as tx:
            found = tx.code_signing_configs.page(
                ctx.principal.account_id, str(after[0]) if after else None, limit + 1
            )
        result: shapes.ListCodeSigningConfigsResponse = {
            "CodeSigningConfigs": [described(c) for c in found[:limit]]
        }
        if len(found) > limit:
            result = {**result, "NextMarker": encode_marker(found[limit - 1].config_id)}
        return result

    def list_functions_by_code_signing_config(
        self, ctx: RequestContext, request: shapes.ListFunctionsByCodeSigningConfigRequest
    ) -> shapes.ListFunctionsByCodeSigningConfigResponse:
        deps = self._deps
        arn = request["CodeSigningConfigArn"]
        account = ctx.principal.account_id
        limit = page_size(request.get("MaxItems"))
        after = decode_marker(request.get("Marker"), 1)
        with deps.store.read() as tx:
            load(tx, account, arn, ResourceNotFoundError)
            found = tx.code_signing_configs.functions_using(
                account, arn, str(after[0]) if after else None, limit + 1
            )
        result: shapes.ListFunctionsByCodeSigningConfigResponse = {
            "FunctionArns": [
                names.Target(account, name, None, deps.region).unqualified_arn
                for name in found[:limit]
            ]
        }
        if len(found) > limit:
            result = {**result, "NextMarker": encode_marker(found[limit - 1])}
        return result

    def put_function_code_signing_config(
        self, ctx: RequestContext, request: shapes.PutFunctionCodeSigningConfigRequest
    ) -> shapes.PutFunctionCodeSigningConfigResponse:
        deps = self._deps
        target = signed_function_target(deps, ctx, request["FunctionName"])
        arn = request["CodeSigningConfigArn"]
        with deps.store.write() as tx:
            load(tx, target.account_id, arn, CodeSigningConfigNotFoundError)
            function = names.load_function(tx, target)
            # Code already deployed keeps running; the config checks the next deployments.
            tx.functions.put(replace(function, code_signing_config_arn=arn))
            record_change(deps, ctx, tx, target.account_id, target.name)
        return {"CodeSigningConfigArn": arn, "FunctionName": target.name}

    def get_function_code_signing_config(
        self, ctx: RequestContext, request: shapes.GetFunctionCodeSigningConfigRequest
    ) -> shapes.GetFunctionCodeSigningConfigResponse:
        deps = self._deps
        target = signed_function_target(deps, ctx, request["FunctionName"])
        with deps.store.read() as tx:
            function = names.load_function(tx, target)
        return {
            "CodeSigningConfigArn": function.code_signing_config_arn or "",
            "FunctionName": target.name,
        }

    def delete_function_code_signing_config(
        self, ctx: RequestContext, request: shapes.DeleteFunctionCodeSigningConfigRequest
    ) -> None:
        deps = self._deps
        target = signed_function_target(deps, ctx, request["FunctionName"])
        with deps.store.write() as tx:
            function = names.load_function(tx, target)
            if function.code_signing_config_arn is None:
                return  # nothing to delete: AWS answers 204 (recorded)
            tx.functions.put(replace(function, code_signing_config_arn=None))
            record_change(deps, ctx, tx, target.account_id, target.name)


def load(
    tx: Transaction, account: AccountId, arn: str, missing: type[Exception]
) -> CodeSigningConfig:
    parts = arn.split(":")
    config = None
    if len(parts) == 7 and parts[4] == account and parts[5] == "code-signing-config":
        config = tx.code_signing_configs.get(account, parts[6])
    if config is None or config.arn != arn:
        raise missing(
            f"The code signing configuration cannot be found. Check that the provided"
            f" configuration is not deleted: {arn[:200]}."
        )
    return config


def described(config: CodeSigningConfig) -> shapes.CodeSigningConfig:
    return {
        "CodeSigningConfigId": config.config_id,
        "CodeSigningConfigArn": config.arn,
        "Description": config.description,
        "AllowedPublishers": {"SigningProfileVersionArns": list(config.allowed_publishers)},
        "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": config.policy.value},
        "LastModified": config.last_modified.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
    }


def signed_function_target(deps: LambdaDeps, ctx: RequestContext, name: str) -> names.Target:
    """The function whose code signing config is read or set (a qualifier is refused)."""
    target = names.resolve(deps, ctx, name)
    if target.qualifier is not None:
        raise InvalidParameterValueError("Code signing configs apply to unqualified functions.")
    return target


def _publishers(allowed: shapes.AllowedPublishers) -> tuple[str, ...]:
    arns = tuple(dict.fromkeys(allowed["SigningProfileVersionArns"]))
    for arn in arns:
        parts = arn.split(":")
        if len(parts) != 6 or parts[2] != "signer" or not parts[5].startswith("/signing-profiles/"):
            raise InvalidParameterValueError(
                f"{arn[:200]} is not a signing profile version ARN"
                " (arn:aws:signer:REGION:ACCOUNT:/signing-profiles/NAME/VERSION)."
            )
    return arns


def _policy(policies: shapes.CodeSigningPolicies | None) -> UntrustedArtifactPolicy:
    return UntrustedArtifactPolicy((policies or {}).get("UntrustedArtifactOnDeployment", "Warn"))
