"""Publishing immutable versions of $LATEST, and listing them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from stockade.domain.arn import LATEST
from stockade.domain.function import Function, FunctionVersion
from stockade.services.context import RequestContext
from stockade.services.events.function_state_events import StateChange
from stockade.services.lambda_ import names, presenters
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import InvalidParameterValueError, PreconditionFailedError
from stockade.services.lambda_.paging import decode_marker, encode_marker, page_size
from stockade.services.lambda_.state_events import record_state_changes
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
    """Snapshot $LATEST as the next version, unless nothing of it changed since the newest
    published one: then that version is the answer (PublishVersion API reference: "Lambda
    doesn't publish a version if the function's configuration and code haven't changed since
    the last version"). Every member of the configuration counts, the Description of $LATEST
    too; only PublishVersion's own Description does not (recorded AWS responses)."""
    if function.last_published:
        newest = tx.versions.get(function.account_id, function.name, str(function.last_published))
        if newest is not None and _same_as_published(newest, latest):
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
        published_from_description=latest.config.description,
    )
    tx.versions.put(version)
    # Publishing gives $LATEST a new RevisionId too (recorded AWS responses).
    tx.versions.put(replace(latest, revision_id=str(uuid.uuid4())))
    tx.functions.put(replace(function, last_published=number))
    return version


def publish_recorded(
    deps: LambdaDeps,
    tx: Transaction,
    region: str,
    function: Function,
    latest: FunctionVersion,
    now: datetime,
    description: str | None = None,
) -> FunctionVersion:
    """`publish`, and the new version's state event when it made one (an unchanged $LATEST
    answers with the newest version: nothing changed state)."""
    version = publish(tx, function, latest, now, description)
    if version.version != str(function.last_published):
        record_state_changes(deps, tx, region, StateChange.PUBLISHED, [version])
    return version


def _same_as_published(published: FunctionVersion, latest: FunctionVersion) -> bool:
    source_description = (
        published.config.description
        if published.published_from_description is None
        else published.published_from_description
    )
    return (
        published.code == latest.code
        and replace(published.config, description=source_description) == latest.config
    )


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
                raise PreconditionFailedError()  # "GetFunction/GetAlias", as Lambda words it
            wanted_sha = request.get("CodeSha256")
            if wanted_sha is not None and wanted_sha != latest.code.sha256_base64:
                raise InvalidParameterValueError(
                    f"CodeSHA256 ({wanted_sha}) is different from current CodeSHA256 in $LATEST"
                    f" ({latest.code.sha256_base64}). Please try again with the CodeSHA256 in"
                    " $LATEST."
                )
            version = publish_recorded(
                deps, tx, target.region, function, latest, deps.clock.now(),
                request.get("Description"),
            )  # fmt: skip
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
                presenters.shown(deps, ctx, v, listed=True, qualified_latest=True)
                for v in versions[:limit]
            ]
        }
        if len(versions) > limit:
            response = {**response, "NextMarker": encode_marker(versions[limit - 1].version)}
        return response
