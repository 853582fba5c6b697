"""Layers: publish immutable layer versions, read, list and delete them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from stockade.domain.arn import LayerRef, parse_layer_name
from stockade.domain.errors import InvalidArnError
from stockade.domain.layer import Layer, LayerVersion
from stockade.services.context import RequestContext
from stockade.services.lambda_ import packages, presenters
from stockade.services.lambda_.code_verification import signature_of
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import InvalidParameterValueError, ResourceNotFoundError
from stockade.services.lambda_.paging import decode_marker, encode_marker, page_size
from stockade.services.lambda_.unsupported import refuse_non_zip_code
from stockade.shapes import lambda_ as shapes
from stockade.types import AccountId


class Layers:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def publish_layer_version(
        self, ctx: RequestContext, request: shapes.PublishLayerVersionRequest
    ) -> shapes.PublishLayerVersionResponse:
        deps = self._deps
        ref = self._ref(ctx, request["LayerName"])
        zip_bytes = refuse_non_zip_code(request["Content"])
        architectures = tuple(request.get("CompatibleArchitectures", ()))
        code = packages.store_package(deps, zip_bytes)
        code = replace(code, signature=signature_of(deps, zip_bytes))
        with deps.store.write() as tx:
            packages.check_storage_quota(tx, ref.account_id, code)
            layer = tx.layers.get(ref.account_id, ref.name) or Layer(ref.account_id, ref.name)
            layer = replace(layer, last_version=layer.last_version + 1)
            version = LayerVersion(
                account_id=ref.account_id,
                name=ref.name,
                version=layer.last_version,
                code=code,
                created=deps.clock.now(),
                description=request.get("Description", ""),
                compatible_runtimes=tuple(request.get("CompatibleRuntimes", ())),
                compatible_architectures=architectures,
                license_info=request.get("LicenseInfo"),
            )
            tx.layers.put(layer)
            tx.layers.put_version(version)
        return self._describe(ctx, version)

    def get_layer_version(
        self, ctx: RequestContext, request: shapes.GetLayerVersionRequest
    ) -> shapes.GetLayerVersionResponse:
        ref = self._ref(ctx, request["LayerName"])
        return self._get(ctx, ref.account_id, ref.name, int(request["VersionNumber"]))

    def get_layer_version_by_arn(
        self, ctx: RequestContext, request: shapes.GetLayerVersionByArnRequest
    ) -> shapes.GetLayerVersionResponse:
        ref = self._ref(ctx, request["Arn"])
        return self._get(ctx, ref.account_id, ref.name, version_of(ref))

    def delete_layer_version(
        self, ctx: RequestContext, request: shapes.DeleteLayerVersionRequest
    ) -> None:
        deps = self._deps
        ref = self._ref(ctx, request["LayerName"])
        number = int(request["VersionNumber"])
        if number < 1:  # AWS's answer (recorded); the model sets no minimum
            raise InvalidParameterValueError("Layer Version Cannot be less than 1")
        # Functions that use the version keep their copy (the artifact stays referenced);
        # deleting a version that does not exist succeeds, as in Lambda.
        with deps.store.write() as tx:
            tx.layers.delete_version(ref.account_id, ref.name, number)

    def list_layers(
        self, ctx: RequestContext, request: shapes.ListLayersRequest
    ) -> shapes.ListLayersResponse:
        deps = self._deps
        limit = page_size(request.get("MaxItems"))
        after = decode_marker(request.get("Marker"), 1)
        start = str(after[0]) if after else ""
        with deps.store.read() as tx:
            every = tx.layers.list_every_version(ctx.principal.account_id)
        newest: dict[str, LayerVersion] = {}
        for version in every:  # ordered by name, newest first
            if (
                version.name > start
                and version.name not in newest
                and _matches(
                    version, request.get("CompatibleRuntime"), request.get("CompatibleArchitecture")
                )
            ):
                newest[version.name] = version
        chosen = list(newest.values())
        items: list[shapes.LayersListItem] = [
            {
                "LayerName": v.name,
                "LayerArn": v.layer_arn(deps.region),
                "LatestMatchingVersion": presenters.layer_version_summary(v, deps.region),
            }
            for v in chosen[:limit]
        ]
        response: shapes.ListLayersResponse = {"Layers": items}
        if len(chosen) > limit:
            response = {**response, "NextMarker": encode_marker(chosen[limit - 1].name)}
        return response

    def list_layer_versions(
        self, ctx: RequestContext, request: shapes.ListLayerVersionsRequest
    ) -> shapes.ListLayerVersionsResponse:
        deps = self._deps
        ref = self._ref(ctx, request["LayerName"])
        limit = page_size(request.get("MaxItems"))
        after = decode_marker(request.get("Marker"), 1)
        with deps.store.read() as tx:
            found = tx.layers.list_versions(
                ref.account_id, ref.name, int(after[0]) if after else None, 10_000
            )
        matching = [
            v
            for v in found
            if _matches(v, request.get("CompatibleRuntime"), request.get("CompatibleArchitecture"))
        ]
        response: shapes.ListLayerVersionsResponse = {
            "LayerVersions": [
                presenters.layer_version_summary(v, deps.region) for v in matching[:limit]
            ]
        }
        if len(matching) > limit:
            response = {**response, "NextMarker": encode_marker(matching[limit - 1].version)}
        return response

    def _get(
        self, ctx: RequestContext, account: str, name: str, number: int
    ) -> shapes.GetLayerVersionResponse:
        deps = self._deps
        with deps.store.read() as tx:
            version = tx.layers.get_version(AccountId(account), name, number)
        if version is None:  # AWS's recorded answer to GetLayerVersion(ByArn)
            raise ResourceNotFoundError("The resource you requested does not exist.")
        return self._describe(ctx, version)

    def _describe(
        self, ctx: RequestContext, version: LayerVersion
    ) -> shapes.PublishLayerVersionResponse:
        deps = self._deps
        location = deps.code_urls.url(
            ctx.base_url, version.account_id, version.code.sha256, deps.clock.now()
        )
        summary = presenters.layer_version_summary(version, deps.region)
        content: shapes.LayerVersionContentOutput = {
            "Location": location,
            "CodeSha256": version.code.sha256_base64,
            "CodeSize": version.code.size,
        }
        if version.code.signature is not None:
            content = {
                **content,
                "SigningProfileVersionArn": version.code.signature.profile_version_arn,
                "SigningJobArn": version.code.signature.job_arn,
            }
        return {
            **summary,
            "Content": content,
            "LayerArn": version.layer_arn(deps.region),
        }

    def _ref(self, ctx: RequestContext, text: str) -> LayerRef:
        return layer_ref(self._deps, ctx, text)


def layer_ref(deps: LambdaDeps, ctx: RequestContext, text: str) -> LayerRef:
    """What a LayerName (or layer ARN) parameter names; a bare name is in the caller's account."""
    try:
        ref = parse_layer_name(text, ctx.principal.account_id)
    except InvalidArnError as exc:
        raise InvalidParameterValueError(str(exc)) from exc
    if ref.region is not None and ref.region != deps.region:
        raise InvalidParameterValueError(
            f"Region {ref.region} does not match the region of this endpoint."
        )
    return ref


def version_of(ref: LayerRef) -> int:
    """The version a layer version ARN names (a layer ARN without one is refused)."""
    if ref.version is None:
        raise InvalidParameterValueError("A layer version ARN is required.")
    return ref.version


def _matches(version: LayerVersion, runtime: str | None, architecture: str | None) -> bool:
    return _allows(version.compatible_runtimes, runtime) and _allows(
        version.compatible_architectures, architecture
    )


def _allows(declared: Sequence[str], wanted: str | None) -> bool:
    return wanted is None or wanted in declared
