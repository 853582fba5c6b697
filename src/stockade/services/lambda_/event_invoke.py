"""Put/Update/Get/Delete/ListFunctionEventInvokeConfigs: retries, event age, destinations."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from stockade.domain.arn import LATEST
from stockade.domain.errors import InvalidConfigurationError
from stockade.domain.event_invoke import EventInvokeConfig, check_destination
from stockade.domain.function import Function
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names
from stockade.services.lambda_.configuration_items import record_change
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import InvalidParameterValueError, ResourceNotFoundError
from stockade.services.lambda_.paging import decode_marker, encode_marker, page_size
from stockade.store.ports import Transaction


class EventInvokeConfigs:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def put_function_event_invoke_config(
        self, ctx: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        return self._write(ctx, request, "lambda:PutFunctionEventInvokeConfig", merge=False)

    def update_function_event_invoke_config(
        self, ctx: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        return self._write(ctx, request, "lambda:UpdateFunctionEventInvokeConfig", merge=True)

    def get_function_event_invoke_config(
        self, ctx: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        deps = self._deps
        target = self._target(ctx, request)
        names.authorize(deps, ctx, "lambda:GetFunctionEventInvokeConfig", target.arn)
        with deps.store.read() as tx:
            function = _function(tx, target)
        found = function.event_invoke_configs.get(target.qualifier or LATEST)
        if found is None:
            raise _missing(target)
        return self._present(target, found)

    def delete_function_event_invoke_config(
        self, ctx: RequestContext, request: dict[str, Any]
    ) -> None:
        deps = self._deps
        target = self._target(ctx, request)
        names.authorize(deps, ctx, "lambda:DeleteFunctionEventInvokeConfig", target.arn)
        qualifier = target.qualifier or LATEST
        with deps.store.write() as tx:
            function = _function(tx, target)
            if qualifier not in function.event_invoke_configs:
                raise _missing(target)
            remaining = {k: v for k, v in function.event_invoke_configs.items() if k != qualifier}
            tx.functions.put(replace(function, event_invoke_configs=remaining))
            record_change(deps, ctx, tx, target.account_id, target.name)

    def list_function_event_invoke_configs(
        self, ctx: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"])
        names.authorize(deps, ctx, "lambda:ListFunctionEventInvokeConfigs", target.unqualified_arn)
        with deps.store.read() as tx:
            function = _function(tx, target)
        position = decode_marker(request.get("Marker"), 1)
        after = None if position is None else str(position[0])
        limit = page_size(request.get("MaxItems"))
        ordered = sorted(function.event_invoke_configs.items())
        remaining = [(k, v) for k, v in ordered if after is None or k > after]
        page = remaining[:limit]
        response: dict[str, Any] = {
            "FunctionEventInvokeConfigs": [
                self._present(replace(target, qualifier=k), v) for k, v in page
            ]
        }
        if len(remaining) > limit:
            response["NextMarker"] = encode_marker(page[-1][0])
        return response

    # -- helpers -----------------------------------------------------------------------------
    def _target(self, ctx: RequestContext, request: dict[str, Any]) -> names.Target:
        return names.resolve(self._deps, ctx, request["FunctionName"], request.get("Qualifier"))

    def _write(
        self, ctx: RequestContext, request: dict[str, Any], action: str, *, merge: bool
    ) -> dict[str, Any]:
        deps = self._deps
        target = self._target(ctx, request)
        names.authorize(deps, ctx, action, target.arn)
        qualifier = target.qualifier or LATEST
        destinations = request.get("DestinationConfig") or {}
        on_success = (destinations.get("OnSuccess") or {}).get("Destination")
        on_failure = (destinations.get("OnFailure") or {}).get("Destination")
        for arn in (on_success, on_failure):
            if arn:
                try:
                    check_destination(arn, target.account_id, deps.region)
                except InvalidConfigurationError as exc:
                    raise InvalidParameterValueError(str(exc)) from exc
        with deps.store.write() as tx:
            function = _function(tx, target)
            names.load_version(tx, replace(target, qualifier=qualifier))  # it must exist
            current = function.event_invoke_configs.get(qualifier) if merge else None
            if merge and current is None:
                raise _missing(target)
            base = current or EventInvokeConfig(qualifier, deps.clock.now())
            config = replace(
                base,
                last_modified=deps.clock.now(),
                maximum_retry_attempts=request.get(
                    "MaximumRetryAttempts", base.maximum_retry_attempts
                ),
                maximum_event_age_s=request.get(
                    "MaximumEventAgeInSeconds", base.maximum_event_age_s
                ),
                on_success=on_success if "DestinationConfig" in request else base.on_success,
                on_failure=on_failure if "DestinationConfig" in request else base.on_failure,
            )
            configs = {**function.event_invoke_configs, qualifier: config}
            tx.functions.put(replace(function, event_invoke_configs=configs))
            record_change(deps, ctx, tx, target.account_id, target.name)
        return self._present(target, config)

    def _present(self, target: names.Target, config: EventInvokeConfig) -> dict[str, Any]:
        arn = names.Target(target.account_id, target.name, config.qualifier, target.region).arn
        response: dict[str, Any] = {"LastModified": config.last_modified, "FunctionArn": arn}
        if config.maximum_retry_attempts is not None:
            response["MaximumRetryAttempts"] = config.maximum_retry_attempts
        if config.maximum_event_age_s is not None:
            response["MaximumEventAgeInSeconds"] = config.maximum_event_age_s
        destinations: dict[str, Any] = {}
        if config.on_success:
            destinations["OnSuccess"] = {"Destination": config.on_success}
        if config.on_failure:
            destinations["OnFailure"] = {"Destination": config.on_failure}
        if destinations:
            response["DestinationConfig"] = destinations
        return response


def _function(tx: Transaction, target: names.Target) -> Function:
    function = tx.functions.get(target.account_id, target.name)
    if function is None:
        raise names.not_found(names.Target(target.account_id, target.name, None, target.region))
    return function


def _missing(target: names.Target) -> ResourceNotFoundError:
    return ResourceNotFoundError(
        f"The function {target.unqualified_arn} doesn't have an EventInvokeConfig"
    )
