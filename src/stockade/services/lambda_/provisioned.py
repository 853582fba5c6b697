"""Provisioned concurrency: environments initialised ahead for a version or alias.

PutProvisionedConcurrencyConfig records the request (IN_PROGRESS) and starts the environments
in the background; the status becomes READY once all of them have initialised, or FAILED with
the reason. The configurations are kept with the function and re-established when the server
starts. An alias's provisioned environments serve its primary version.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from stockade.domain import limits
from stockade.domain.arn import LATEST
from stockade.domain.function import Function, FunctionVersion
from stockade.domain.provisioned import ProvisionedConfig, ProvisionedStatus
from stockade.sandbox import EnvironmentSpec
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names, tenancy
from stockade.services.lambda_.concurrency import sum_reserved
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    InvalidParameterValueError,
    ProvisionedConcurrencyConfigNotFoundError,
    ResourceConflictError,
    ResourceNotFoundError,
    ResourceNotReadyError,
)
from stockade.services.lambda_.invoke import Invoker
from stockade.services.lambda_.paging import decode_marker, encode_marker, page_size
from stockade.services.lambda_.presenters import lambda_time
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import Transaction
from stockade.types import AccountId, ascii_digits

_log = logging.getLogger(__name__)


def provisioned_target(
    deps: LambdaDeps, ctx: RequestContext, function_name: str, qualifier: str, putting: bool = False
) -> names.Target:
    """The version or alias a provisioned concurrency config is for ($LATEST is refused, in
    Lambda's words for a Put and for a Get or Delete; recorded AWS responses)."""
    target = names.resolve(deps, ctx, function_name, qualifier)
    if target.qualifier in (None, LATEST):
        raise InvalidParameterValueError(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
            if putting
            else "The function resource provided must be an alias or a published version."
        )
    return target


def _no_config() -> ProvisionedConcurrencyConfigNotFoundError:
    return ProvisionedConcurrencyConfigNotFoundError(
        "No Provisioned Concurrency Config found for this function"
    )


class ProvisionedConcurrency:
    def __init__(
        self,
        deps: LambdaDeps,
        invoker: Invoker,
        account_limit: int = limits.CONCURRENT_EXECUTIONS_DEFAULT,
    ) -> None:
        self._deps = deps
        self._invoker = invoker
        self._account_limit = account_limit
        self._tasks: set[asyncio.Task[None]] = set()

    async def put_provisioned_concurrency_config(
        self, ctx: RequestContext, request: shapes.PutProvisionedConcurrencyConfigRequest
    ) -> shapes.PutProvisionedConcurrencyConfigResponse:
        deps = self._deps
        target = provisioned_target(
            deps, ctx, request["FunctionName"], request["Qualifier"], putting=True
        )
        wanted = request["ProvisionedConcurrentExecutions"]
        if self._invoker.runner is None:
            raise ResourceNotReadyError("Function execution is not available on this server.")
        with deps.store.write() as tx:
            version, _ = names.load_version(tx, target)
            tenancy.refuse_provisioned(version.config)
            function = names.load_function(tx, target)
            others = sum(
                c.requested for q, c in function.provisioned.items() if q != target.qualifier
            )
            reserved = function.reserved_concurrency
            if reserved is not None and others + wanted > reserved:
                raise InvalidParameterValueError(
                    "Requested Provisioned Concurrency should not be greater than the"
                    " reservedConcurrentExecution for function"
                )
            if reserved is None:
                self._check_unreserved(tx, target.account_id, wanted)
            _check_no_overlap(tx, function, str(target.qualifier))
            config = ProvisionedConfig(str(target.qualifier), wanted, deps.clock.now())
            configs = {**function.provisioned, config.qualifier: config}
            tx.functions.put(replace(function, provisioned=configs))
        self._start(target.account_id, target.name, version, config)
        return _present(config)

    async def get_provisioned_concurrency_config(
        self, ctx: RequestContext, request: shapes.GetProvisionedConcurrencyConfigRequest
    ) -> shapes.GetProvisionedConcurrencyConfigResponse:
        deps = self._deps
        target = provisioned_target(deps, ctx, request["FunctionName"], request["Qualifier"])
        with deps.store.read() as tx:
            function = names.load_function(tx, target)
        config = function.provisioned.get(str(target.qualifier))
        if config is None:
            raise _no_config()
        return _present(config)

    async def delete_provisioned_concurrency_config(
        self, ctx: RequestContext, request: shapes.DeleteProvisionedConcurrencyConfigRequest
    ) -> None:
        deps = self._deps
        target = provisioned_target(deps, ctx, request["FunctionName"], request["Qualifier"])
        with deps.store.write() as tx:
            version, _ = names.load_version(tx, target)
            function = tx.functions.get(target.account_id, target.name)
            if function is None or str(target.qualifier) not in function.provisioned:
                return  # nothing to delete: AWS answers 204 (recorded)
            remaining = {
                q: c for q, c in function.provisioned.items() if q != str(target.qualifier)
            }
            tx.functions.put(replace(function, provisioned=remaining))
        runner = self._invoker.runner
        if runner is not None:
            runner.unprovision((await self._invoker.spec_for(version)).warm_key)

    async def list_provisioned_concurrency_configs(
        self, ctx: RequestContext, request: shapes.ListProvisionedConcurrencyConfigsRequest
    ) -> shapes.ListProvisionedConcurrencyConfigsResponse:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"])
        with deps.store.read() as tx:
            function = names.load_function(tx, target)
        position = decode_marker(request.get("Marker"), 1)
        after = None if position is None else str(position[0])
        ordered = [
            (q, c) for q, c in sorted(function.provisioned.items()) if after is None or q > after
        ]
        limit = page_size(request.get("MaxItems"))
        page = ordered[:limit]
        items: list[shapes.ProvisionedConcurrencyConfigListItem] = []
        for qualifier, config in page:
            arn = names.Target(target.account_id, target.name, qualifier, target.region).arn
            items.append({"FunctionArn": arn, **_present(config)})
        response: shapes.ListProvisionedConcurrencyConfigsResponse = {
            "ProvisionedConcurrencyConfigs": items
        }
        if len(ordered) > limit:
            response = {**response, "NextMarker": encode_marker(page[-1][0])}
        return response

    async def restore(self) -> int:
        """Re-establish every stored configuration (at server start); returns how many."""
        deps = self._deps
        started = 0
        with deps.store.read() as tx:
            accounts = [a.account_id for a in tx.accounts.all()]
        for account in accounts:
            for function, version, config in self._stored(account):
                self._start(account, function.name, version, config)
                started += 1
        return started

    # -- helpers -----------------------------------------------------------------------------
    def _check_unreserved(self, tx: Transaction, account: AccountId, wanted: int) -> None:
        """A function without a reservation provisions out of the account's unreserved pool,
        which keeps its minimum (Lambda's messages, recorded AWS responses)."""
        unreserved = self._account_limit - sum_reserved(tx, account)
        if wanted > unreserved:
            raise InvalidParameterValueError(
                "Specified ConcurrentExecutions for function is greater than account's"
                f" unreserved concurrency [{unreserved}]."
            )
        if unreserved - wanted < limits.UNRESERVED_CONCURRENCY_MIN:
            raise InvalidParameterValueError(
                "Specified ConcurrentExecutions for function decreases account's"
                " UnreservedConcurrentExecution below its minimum value of"
                f" [{limits.UNRESERVED_CONCURRENCY_MIN}]."
            )

    def _stored(
        self, account: AccountId
    ) -> list[tuple[Function, FunctionVersion, ProvisionedConfig]]:
        found = []
        after: str | None = None
        with self._deps.store.read() as tx:
            while True:
                page = tx.functions.page(account, after, 500)
                for function in page:
                    for qualifier, config in function.provisioned.items():
                        target = names.Target(account, function.name, qualifier, self._deps.region)
                        try:
                            version, _ = names.load_version(tx, target)
                        except ResourceNotFoundError:
                            continue
                        found.append((function, version, config))
                if len(page) < 500:
                    return found
                after = page[-1].name

    def _start(
        self, account: AccountId, name: str, version: FunctionVersion, config: ProvisionedConfig
    ) -> None:
        task = asyncio.get_running_loop().create_task(
            self._provision(account, name, version, config)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _provision(
        self, account: AccountId, name: str, version: FunctionVersion, config: ProvisionedConfig
    ) -> None:
        runner = self._invoker.runner
        assert runner is not None

        async def fresh() -> EnvironmentSpec:
            return await self._invoker.spec_for(version)

        try:
            failure = await runner.provision(await fresh(), config.requested, fresh)
        except Exception as exc:  # recorded as the config's status; the server keeps serving
            _log.exception("provisioning %s failed", name)
            failure = type(exc).__name__
        status = ProvisionedStatus.READY if failure is None else ProvisionedStatus.FAILED
        await asyncio.to_thread(self._record, account, name, config, status, failure)

    def _record(
        self,
        account: AccountId,
        name: str,
        config: ProvisionedConfig,
        status: ProvisionedStatus,
        reason: str | None,
    ) -> None:
        with self._deps.store.write() as tx:
            function = tx.functions.get(account, name)
            current = None if function is None else function.provisioned.get(config.qualifier)
            if function is None or current != config:  # changed or deleted meanwhile
                return
            done = replace(
                config,
                status=status,
                status_reason=reason,
                allocated=config.requested if reason is None else 0,
            )
            tx.functions.put(
                replace(function, provisioned={**function.provisioned, config.qualifier: done})
            )


def _check_no_overlap(tx: Transaction, function: Function, qualifier: str) -> None:
    """A version is provisioned once: directly or through one alias, not both (409s with
    Lambda's messages, recorded AWS responses)."""
    if ascii_digits(qualifier):
        for name in function.provisioned:
            if ascii_digits(name):
                continue
            alias = tx.aliases.get(function.account_id, function.name, name)
            if alias is not None and alias.function_version == qualifier:
                raise ResourceConflictError("Version is pointed by a Provisioned Concurrency alias")
        return
    alias = tx.aliases.get(function.account_id, function.name, qualifier)
    if alias is not None and alias.function_version in function.provisioned:
        raise ResourceConflictError(
            "Alias can't be used for Provisioned Concurrency configuration on an already"
            " Provisioned version"
        )


def _present(config: ProvisionedConfig) -> shapes.GetProvisionedConcurrencyConfigResponse:
    response: shapes.GetProvisionedConcurrencyConfigResponse = {
        "RequestedProvisionedConcurrentExecutions": config.requested,
        "AllocatedProvisionedConcurrentExecutions": config.allocated,
        "AvailableProvisionedConcurrentExecutions": config.allocated,
        "Status": config.status.value,
        "LastModified": lambda_time(config.last_modified),
    }
    if config.status_reason:
        response = {**response, "StatusReason": config.status_reason}
    return response
