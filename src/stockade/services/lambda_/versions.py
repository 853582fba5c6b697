"""Publishing immutable versions of $LATEST, and listing them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from stockade.domain.arn import LATEST
from stockade.domain.function import Function, FunctionVersion
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names, presenters
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import InvalidParameterValueError, PreconditionFailedError
from stockade.services.lambda_.paging import decode_marker, encode_marker, page_size
from stockade.services.lambda_.unsupported import refuse_unsupported
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import Transaction


def publish(
    tx: Transaction,
    function: Function,
    latest: FunctionVersion,
    now: datetime,
    description: str | None = None,
) -> FunctionVersion:
    """Snapshot $LATEST as the next version, unless it equals the newest published one."""
    if function.last_published:
        newest = tx.versions.get(function.account_id, function.name, str(function.last_published))
        if (
            newest is not None
            and newest.code == latest.code
            and newest.config == replace(latest.config, description=newest.config.description)
        ):
            return newest
    number = function.last_published + 1
    config = (
        latest.config if description is None else replace(latest.config, description=description)
    )
    version = replace(
        latest,
        version=str(number),
        config=config,
        revision_id=str(uuid.uuid4()),
        last_modified=now,
    )
    tx.versions.put(version)
    tx.functions.put(replace(function, last_published=number))
    return version


def publishing_target(deps: LambdaDeps, ctx: RequestContext, function_name: str) -> names.Target:
    """The function PublishVersion snapshots (a qualifier is refused)."""
    target = names.resolve(deps, ctx, function_name)
    if target.qualifier is not None:
        raise InvalidParameterValueError("PublishVersion applies to the function, not a qualifier.")
    return target


class Versions:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def publish_version(
        self, ctx: RequestContext, request: shapes.PublishVersionRequest
    ) -> shapes.FunctionConfiguration:
        deps = self._deps
        target = publishing_target(deps, ctx, request["FunctionName"])
        refuse_unsupported(request)  # PublishTo
        with deps.store.write() as tx:
            function = tx.functions.get(target.account_id, target.name)
            latest = tx.versions.get(target.account_id, target.name, LATEST)
            if function is None or latest is None:
                raise names.not_found(target)
            if request.get("RevisionId") not in (None, latest.revision_id):
                raise PreconditionFailedError()  # AWS names both APIs (recorded)
            wanted_sha = request.get("CodeSha256")
            if wanted_sha is not None and wanted_sha != latest.code.sha256_base64:
                raise InvalidParameterValueError(
                    f"CodeSHA256 ({wanted_sha}) is different from current CodeSHA256 in $LATEST"
                    f" ({latest.code.sha256_base64}). Please try again with the CodeSHA256 in"
                    " $LATEST."
                )
            version = publish(tx, function, latest, deps.clock.now(), request.get("Description"))
        return presenters.shown(deps, ctx, version)

    def list_versions_by_function(
        self, ctx: RequestContext, request: shapes.ListVersionsByFunctionRequest
    ) -> shapes.ListVersionsByFunctionResponse:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"])
        limit = page_size(request.get("MaxItems"))
        after = decode_marker(request.get("Marker"), 1)
        with deps.store.read() as tx:
            if tx.functions.get(target.account_id, target.name) is None:
                raise names.not_found(target)
            versions = tx.versions.page(
                target.account_id, target.name, str(after[0]) if after else None, limit + 1
            )
        response: shapes.ListVersionsByFunctionResponse = {
            "Versions": [
                names.as_listed_version(presenters.shown(deps, ctx, v)) for v in versions[:limit]
            ]
        }
        if len(versions) > limit:
            response = {**response, "NextMarker": encode_marker(versions[limit - 1].version)}
        return response
