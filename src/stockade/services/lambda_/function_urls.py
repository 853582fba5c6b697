"""Create/Get/Update/Delete/ListFunctionUrlConfigs: a function URL per function or alias.

A URL belongs to the function itself (stored under `$LATEST`, answered with the unqualified
ARN) or to one of its aliases; the model's Qualifier pattern refuses `$LATEST` and version
numbers before a handler runs. Not-found answers differ by operation, as AWS recorded them
(LocalStack's test_lambda_api snapshots, test_url_config_exceptions): Create, Update and List
say "Function does not exist" for a missing function or alias; Get and Delete, and Update for
a missing configuration, say "The resource you requested does not exist.".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from stockade.domain.arn import LATEST
from stockade.domain.function import Function
from stockade.domain.function_url import (
    INVOKE_MODE_DEFAULT,
    FunctionUrlConfig,
    UrlCors,
    new_url_id,
)
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names, tenancy
from stockade.services.lambda_.configuration_items import record_change
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import ResourceConflictError, ResourceNotFoundError
from stockade.services.lambda_.paging import decode_marker, encode_marker, page_size
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import Transaction

NO_FUNCTION = "Function does not exist"
NO_RESOURCE = "The resource you requested does not exist."


class FunctionUrls:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def create_function_url_config(
        self, ctx: RequestContext, request: shapes.CreateFunctionUrlConfigRequest
    ) -> shapes.CreateFunctionUrlConfigResponse:
        deps = self._deps
        target = url_target(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        key = target.qualifier or LATEST
        now = deps.clock.now()
        with deps.store.write() as tx:
            function = _owner(tx, target, NO_FUNCTION)
            latest, _ = names.load_version(tx, replace(target, qualifier=LATEST))
            tenancy.refuse_function_url(latest.config)
            if key in function.url_configs:
                raise ResourceConflictError(
                    f"Failed to create function url config for [functionArn = {target.arn}]."
                    " Error message:  FunctionUrlConfig exists for this Lambda function"
                )
            config = FunctionUrlConfig(
                qualifier=key,
                url_id=new_url_id(),
                auth_type=request["AuthType"],
                created=now,
                last_modified=now,
                cors=_cors(request["Cors"]) if "Cors" in request else None,
                invoke_mode=request.get("InvokeMode") or INVOKE_MODE_DEFAULT,
            )
            _store(tx, function, config)
            record_change(deps, ctx, tx, target.account_id, target.name)
        # AWS answers a create with what was asked: no LastModifiedTime, and InvokeMode only
        # when given (recorded: test_url_config_lifecycle url_creation).
        response: shapes.CreateFunctionUrlConfigResponse = {
            "FunctionUrl": deps.url_naming.url(config.url_id, deps.region),
            "FunctionArn": target.arn,
            "AuthType": config.auth_type,
            "CreationTime": url_time(config.created),
        }
        if config.cors is not None:
            response = {**response, "Cors": present_cors(config.cors)}
        if "InvokeMode" in request:
            response = {**response, "InvokeMode": config.invoke_mode}
        return response

    def update_function_url_config(
        self, ctx: RequestContext, request: shapes.UpdateFunctionUrlConfigRequest
    ) -> shapes.UpdateFunctionUrlConfigResponse:
        deps = self._deps
        target = url_target(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        key = target.qualifier or LATEST
        with deps.store.write() as tx:
            function = _owner(tx, target, NO_FUNCTION)
            current = function.url_configs.get(key)
            if current is None:
                raise ResourceNotFoundError(NO_RESOURCE)
            config = replace(
                current,
                last_modified=deps.clock.now(),
                auth_type=request.get("AuthType") or current.auth_type,
                cors=_cors(request["Cors"]) if "Cors" in request else current.cors,
                invoke_mode=request.get("InvokeMode") or current.invoke_mode,
            )
            _store(tx, function, config)
            record_change(deps, ctx, tx, target.account_id, target.name)
        full = present(config, target.arn, deps)
        # InvokeMode only when the update named it (recorded: updated_url_config).
        return {k: v for k, v in full.items() if k != "InvokeMode" or "InvokeMode" in request}  # type: ignore[return-value]

    def get_function_url_config(
        self, ctx: RequestContext, request: shapes.GetFunctionUrlConfigRequest
    ) -> shapes.GetFunctionUrlConfigResponse:
        deps = self._deps
        target = url_target(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        with deps.store.read() as tx:
            function = _owner(tx, target, NO_RESOURCE)
        config = function.url_configs.get(target.qualifier or LATEST)
        if config is None:
            raise ResourceNotFoundError(NO_RESOURCE)
        return present(config, target.arn, deps)

    def delete_function_url_config(
        self, ctx: RequestContext, request: shapes.DeleteFunctionUrlConfigRequest
    ) -> None:
        deps = self._deps
        target = url_target(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        key = target.qualifier or LATEST
        with deps.store.write() as tx:
            function = _owner(tx, target, NO_RESOURCE)
            if key not in function.url_configs:
                raise ResourceNotFoundError(NO_RESOURCE)
            remaining = {k: v for k, v in function.url_configs.items() if k != key}
            tx.functions.put(replace(function, url_configs=remaining))
            record_change(deps, ctx, tx, target.account_id, target.name)

    def list_function_url_configs(
        self, ctx: RequestContext, request: shapes.ListFunctionUrlConfigsRequest
    ) -> shapes.ListFunctionUrlConfigsResponse:
        deps = self._deps
        target = url_target(deps, ctx, request["FunctionName"])
        whole = names.Target(target.account_id, target.name, None, target.region)
        with deps.store.read() as tx:
            function = _owner(tx, whole, NO_FUNCTION)
        position = decode_marker(request.get("Marker"), 1)
        after = None if position is None else str(position[0])
        limit = page_size(request.get("MaxItems"))
        ordered = sorted(function.url_configs.items())
        remaining = [(k, v) for k, v in ordered if after is None or k > after]
        page = remaining[:limit]
        response: shapes.ListFunctionUrlConfigsResponse = {
            "FunctionUrlConfigs": [present(v, _arn_of(whole, k), deps) for k, v in page]
        }
        if len(remaining) > limit:
            response = {**response, "NextMarker": encode_marker(page[-1][0])}
        return response


def url_time(moment: datetime) -> str:
    """Function URL times as AWS writes them: microseconds and `Z` (a recorded answer:
    "CreationTime": "2023-06-08T13:20:18.244654Z"), unlike the configurations' `+0000`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def url_target(
    deps: LambdaDeps, ctx: RequestContext, function_name: str, qualifier: str | None = None
) -> names.Target:
    """The function or alias a URL request names (the kernel's pattern check has already
    refused `$LATEST` and version numbers, in FunctionName as in Qualifier)."""
    return names.resolve(deps, ctx, function_name, qualifier)


def present(config: FunctionUrlConfig, arn: str, deps: LambdaDeps) -> shapes.FunctionUrlConfig:
    response: shapes.FunctionUrlConfig = {
        "FunctionUrl": deps.url_naming.url(config.url_id, deps.region),
        "FunctionArn": arn,
        "AuthType": config.auth_type,
        "CreationTime": url_time(config.created),
        "LastModifiedTime": url_time(config.last_modified),
        "InvokeMode": config.invoke_mode,
    }
    if config.cors is not None:
        response = {**response, "Cors": present_cors(config.cors)}
    return response


def present_cors(cors: UrlCors) -> shapes.Cors:
    members: dict[str, Any] = {
        "AllowCredentials": cors.allow_credentials,
        "AllowHeaders": _listed(cors.allow_headers),
        "AllowMethods": _listed(cors.allow_methods),
        "AllowOrigins": _listed(cors.allow_origins),
        "ExposeHeaders": _listed(cors.expose_headers),
        "MaxAge": cors.max_age,
    }
    return {k: v for k, v in members.items() if v is not None}  # type: ignore[return-value]


def _cors(given: shapes.Cors) -> UrlCors:
    """The kernel has checked the model's bounds (list lengths, member lengths, MaxAge)."""
    return UrlCors(
        allow_credentials=given.get("AllowCredentials"),
        allow_headers=_tupled(given.get("AllowHeaders")),
        allow_methods=_tupled(given.get("AllowMethods")),
        allow_origins=_tupled(given.get("AllowOrigins")),
        expose_headers=_tupled(given.get("ExposeHeaders")),
        max_age=given.get("MaxAge"),
    )


def _tupled(values: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def _listed(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


def _owner(tx: Transaction, target: names.Target, message: str) -> Function:
    """The function whose URL the target names; its alias must exist too."""
    function = tx.functions.get(target.account_id, target.name)
    if function is None:
        raise ResourceNotFoundError(message)
    if target.qualifier and tx.aliases.get(target.account_id, target.name,
                                           target.qualifier) is None:  # fmt: skip
        raise ResourceNotFoundError(message)
    return function


def _store(tx: Transaction, function: Function, config: FunctionUrlConfig) -> None:
    configs = {**function.url_configs, config.qualifier: config}
    tx.functions.put(replace(function, url_configs=configs))


def _arn_of(whole: names.Target, key: str) -> str:
    return replace(whole, qualifier=None if key == LATEST else key).arn
