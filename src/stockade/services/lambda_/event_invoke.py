"""Put/Update/Get/Delete/ListFunctionEventInvokeConfigs: retries, event age, destinations."""

from __future__ import annotations

from dataclasses import replace

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
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import Transaction

WriteRequest = (
    shapes.PutFunctionEventInvokeConfigRequest | shapes.UpdateFunctionEventInvokeConfigRequest
)


class EventInvokeConfigs:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def put_function_event_invoke_config(
        self, ctx: RequestContext, request: shapes.PutFunctionEventInvokeConfigRequest
    ) -> shapes.FunctionEventInvokeConfig:
        return self._write(ctx, request, merge=False)

    def update_function_event_invoke_config(
        self, ctx: RequestContext, request: shapes.UpdateFunctionEventInvokeConfigRequest
    ) -> shapes.FunctionEventInvokeConfig:
        return self._write(ctx, request, merge=True)

    def get_function_event_invoke_config(
        self, ctx: RequestContext, request: shapes.GetFunctionEventInvokeConfigRequest
    ) -> shapes.FunctionEventInvokeConfig:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        with deps.store.read() as tx:
            function = tx.functions.get(target.account_id, target.name)
        # AWS's recorded answer for a missing function is the missing config, not the function.
        found = None if function is None else function.event_invoke_configs.get(
            target.qualifier or LATEST)  # fmt: skip
        if found is None:
            raise _missing(target)
        return self._present(target, found)

    def delete_function_event_invoke_config(
        self, ctx: RequestContext, request: shapes.DeleteFunctionEventInvokeConfigRequest
    ) -> None:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        qualifier = target.qualifier or LATEST
        with deps.store.write() as tx:
            function = tx.functions.get(target.account_id, target.name)
            if function is None or qualifier not in function.event_invoke_configs:
                raise _missing(target)  # also for a missing function, as AWS answers
            remaining = {k: v for k, v in function.event_invoke_configs.items() if k != qualifier}
            tx.functions.put(replace(function, event_invoke_configs=remaining))
            record_change(deps, ctx, tx, target.account_id, target.name)

    def list_function_event_invoke_configs(
        self, ctx: RequestContext, request: shapes.ListFunctionEventInvokeConfigsRequest
    ) -> shapes.ListFunctionEventInvokeConfigsResponse:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"])
        with deps.store.read() as tx:
            function = _function(tx, target)
        position = decode_marker(request.get("Marker"), 1)
        after = None if position is None else str(position[0])
        limit = page_size(request.get("MaxItems"))
        ordered = sorted(function.event_invoke_configs.items())
        remaining = [(k, v) for k, v in ordered if after is None or k > after]
        page = remaining[:limit]
        response: shapes.ListFunctionEventInvokeConfigsResponse = {
            "FunctionEventInvokeConfigs": [
                self._present(replace(target, qualifier=k), v) for k, v in page
            ]
        }
        if len(remaining) > limit:
            response = {**response, "NextMarker": encode_marker(page[-1][0])}
        return response

    # -- helpers -----------------------------------------------------------------------------
    def _write(
        self, ctx: RequestContext, request: WriteRequest, *, merge: bool
    ) -> shapes.FunctionEventInvokeConfig:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
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

    def _present(
        self, target: names.Target, config: EventInvokeConfig
    ) -> shapes.FunctionEventInvokeConfig:
        arn = names.Target(target.account_id, target.name, config.qualifier, target.region).arn
        response: shapes.FunctionEventInvokeConfig = {
            "LastModified": config.last_modified,
            "FunctionArn": arn,
        }
        if config.maximum_retry_attempts is not None:
            response = {**response, "MaximumRetryAttempts": config.maximum_retry_attempts}
        if config.maximum_event_age_s is not None:
            response = {**response, "MaximumEventAgeInSeconds": config.maximum_event_age_s}
        # Always both members, empty when unset, as Lambda answers (recorded AWS responses).
        on_success: shapes.OnSuccess = (
            {"Destination": config.on_success} if config.on_success else {}
        )
        on_failure: shapes.OnFailure = (
            {"Destination": config.on_failure} if config.on_failure else {}
        )
        return {**response, "DestinationConfig": {"OnSuccess": on_success, "OnFailure": on_failure}}


def _function(tx: Transaction, target: names.Target) -> Function:
    function = tx.functions.get(target.account_id, target.name)
    if function is None:
        raise names.not_found(names.Target(target.account_id, target.name, None, target.region))
    return function


def _missing(target: names.Target) -> ResourceNotFoundError:
    # AWS names the version it looked at: `...:function:f:$LATEST` when unqualified.
    qualified = names.Target(target.account_id, target.name, target.qualifier or LATEST,
                             target.region)  # fmt: skip
    return ResourceNotFoundError(f"The function {qualified.arn} doesn't have an EventInvokeConfig")
