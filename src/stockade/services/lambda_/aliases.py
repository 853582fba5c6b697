"""Aliases: named pointers to a version, optionally splitting traffic with a second version."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace

from stockade.domain.arn import LATEST
from stockade.domain.function import Alias
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names, presenters
from stockade.services.lambda_.configuration_items import record_change
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    InvalidParameterValueError,
    PreconditionFailedError,
    ResourceConflictError,
    ResourceNotFoundError,
)
from stockade.services.lambda_.paging import decode_marker, encode_marker, page_size
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import Transaction

MAX_ADDITIONAL_VERSIONS = 1


class Aliases:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def create_alias(
        self, ctx: RequestContext, request: shapes.CreateAliasRequest
    ) -> shapes.AliasConfiguration:
        deps = self._deps
        target = function_target(deps, ctx, request["FunctionName"])
        alias_target = names.Target(target.account_id, target.name, request["Name"], deps.region)
        if request["Name"] == LATEST:
            raise InvalidParameterValueError("An alias cannot be named $LATEST.")
        routing = _routing(request.get("RoutingConfig"))
        with deps.store.write() as tx:
            _check_versions(tx, target, request["FunctionVersion"], routing)
            if tx.aliases.get(target.account_id, target.name, request["Name"]) is not None:
                raise ResourceConflictError(f"Alias already exists: {alias_target.arn}")
            alias = Alias(
                account_id=target.account_id,
                function_name=target.name,
                name=request["Name"],
                function_version=request["FunctionVersion"],
                revision_id=str(uuid.uuid4()),
                description=request.get("Description", ""),
                routing=routing,
            )
            tx.aliases.put(alias)
        return presenters.alias(alias, deps.region)

    def get_alias(
        self, ctx: RequestContext, request: shapes.GetAliasRequest
    ) -> shapes.AliasConfiguration:
        deps = self._deps
        target = function_target(deps, ctx, request["FunctionName"])
        alias_target = names.Target(target.account_id, target.name, request["Name"], deps.region)
        with deps.store.read() as tx:
            alias = _load(tx, alias_target, _GET_MISSING)
        return presenters.alias(alias, deps.region)

    def update_alias(
        self, ctx: RequestContext, request: shapes.UpdateAliasRequest
    ) -> shapes.AliasConfiguration:
        deps = self._deps
        target = function_target(deps, ctx, request["FunctionName"])
        alias_target = names.Target(target.account_id, target.name, request["Name"], deps.region)
        with deps.store.write() as tx:
            alias = _load(tx, alias_target)
            if request.get("RevisionId") not in (None, alias.revision_id):
                raise PreconditionFailedError()  # "GetFunction/GetAlias", as Lambda words it
            version = request.get("FunctionVersion", alias.function_version)
            routing = (
                _routing(request["RoutingConfig"]) if "RoutingConfig" in request else alias.routing
            )
            _check_versions(tx, target, version, routing)
            alias = replace(
                alias,
                function_version=version,
                routing=routing,
                description=request.get("Description", alias.description),
                revision_id=str(uuid.uuid4()),
            )
            tx.aliases.put(alias)
        return presenters.alias(alias, deps.region)

    def delete_alias(self, ctx: RequestContext, request: shapes.DeleteAliasRequest) -> None:
        deps = self._deps
        target = function_target(deps, ctx, request["FunctionName"])
        with deps.store.write() as tx:
            function = tx.functions.get(target.account_id, target.name)
            if function is None:
                raise names.not_found(target)
            # Deleting an alias that does not exist succeeds, as in Lambda.
            tx.aliases.delete(target.account_id, target.name, request["Name"])
            if request["Name"] in function.url_configs:  # its function URL goes with it
                kept = {k: v for k, v in function.url_configs.items() if k != request["Name"]}
                tx.functions.put(replace(function, url_configs=kept))
            record_change(deps, ctx, tx, target.account_id, target.name)  # its policy went too

    def list_aliases(
        self, ctx: RequestContext, request: shapes.ListAliasesRequest
    ) -> shapes.ListAliasesResponse:
        deps = self._deps
        target = function_target(deps, ctx, request["FunctionName"])
        limit = page_size(request.get("MaxItems"))
        after = decode_marker(request.get("Marker"), 1)
        wanted = request.get("FunctionVersion")
        with deps.store.read() as tx:
            if tx.functions.get(target.account_id, target.name) is None:
                raise names.not_found(target)
            found = tx.aliases.page(
                target.account_id, target.name, str(after[0]) if after else None, 10_000
            )
        matching = [
            a
            for a in found
            if wanted is None or a.function_version == wanted or wanted in a.routing
        ]
        response: shapes.ListAliasesResponse = {
            "Aliases": [presenters.alias(a, deps.region) for a in matching[:limit]]
        }
        if len(matching) > limit:
            response = {**response, "NextMarker": encode_marker(matching[limit - 1].name)}
        return response


def function_target(deps: LambdaDeps, ctx: RequestContext, function_name: str) -> names.Target:
    """The function whose aliases an operation reads or changes (a qualifier is refused)."""
    target = names.resolve(deps, ctx, function_name)
    if target.qualifier is not None:
        raise InvalidParameterValueError("Specify the function name without a qualifier.")
    return target


def named_alias(
    deps: LambdaDeps, ctx: RequestContext, function_name: str, alias_name: str
) -> names.Target:
    """The alias `alias_name` of the function `function_name` names."""
    target = function_target(deps, ctx, function_name)
    return names.Target(target.account_id, target.name, alias_name, deps.region)


# AWS's recorded answers word a missing alias differently for GetAlias and for UpdateAlias.
_GET_MISSING = "Cannot find alias arn: {arn}"
_UPDATE_MISSING = "Alias not found: {arn}"


def _load(tx: Transaction, target: names.Target, missing: str = _UPDATE_MISSING) -> Alias:
    if tx.functions.get(target.account_id, target.name) is None:
        raise names.not_found(names.Target(target.account_id, target.name, None, target.region))
    alias = tx.aliases.get(target.account_id, target.name, target.qualifier or "")
    if alias is None:
        raise ResourceNotFoundError(missing.format(arn=target.arn))
    return alias


def _routing(config: shapes.AliasRoutingConfiguration | None) -> Mapping[str, float]:
    weights = dict((config or {}).get("AdditionalVersionWeights", {}))
    if len(weights) > MAX_ADDITIONAL_VERSIONS:
        raise InvalidParameterValueError(  # AWS's words (recorded)
            "Number of items in AdditionalVersionWeights cannot be greater than"
            f" {MAX_ADDITIONAL_VERSIONS}"
        )
    return weights


def _check_versions(
    tx: Transaction, target: names.Target, version: str, routing: Mapping[str, float]
) -> None:
    # AWS's recorded answers name the version looked for, whether the function or the version
    # is missing: "Function not found: ...:function:f:10".
    def version_missing(number: str) -> ResourceNotFoundError:
        return names.not_found(names.Target(target.account_id, target.name, number,
                                            target.region))  # fmt: skip

    if tx.functions.get(target.account_id, target.name) is None:
        raise version_missing(version)
    if tx.versions.get(target.account_id, target.name, version) is None:
        raise version_missing(version)
    for extra in routing:
        if LATEST in (extra, version):
            raise InvalidParameterValueError(
                "$LATEST is not supported for an alias pointing to more than 1 version",
                typed=False,  # as AWS sends it (recorded)
            )
        if extra == version:
            raise InvalidParameterValueError(
                f"Invalid function version {extra}. Function version {extra} is already"
                " included in routing configuration."
            )
        if tx.versions.get(target.account_id, target.name, extra) is None:
            raise version_missing(extra)
