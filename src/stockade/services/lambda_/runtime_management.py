"""Get/PutRuntimeManagementConfig, and which runtime version a function version runs.

Runtime versions are the digests of the runtime files Stockade ships (sandbox.runtime_versions);
the catalog knows the newest one per runtime and every one ever shipped. A function version's
`RuntimeManagement` (domain.runtime_management) picks one of them; `RuntimeVersionConfig` in
function configurations shows the one it runs. Configuration is per version ($LATEST or a
published number); aliases are refused, as Lambda refuses them.
"""

from __future__ import annotations

from dataclasses import replace

from stockade.domain.arn import LATEST
from stockade.domain.function import FunctionVersion
from stockade.domain.runtime_management import (
    RuntimeManagement,
    UpdateRuntimeOn,
    parse_runtime_version_arn,
    runtime_version_arn,
)
from stockade.sandbox.runtime_bundle import RuntimeVersionSource
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import InvalidParameterValueError
from stockade.shapes import lambda_ as shapes
from stockade.types import ascii_digits


def effective_digest(deps: LambdaDeps, version: FunctionVersion) -> str:
    """The runtime version `version` runs now ("" when none is known)."""
    catalog = deps.runtime_versions
    newest = catalog.newest(version.config.runtime) if catalog is not None else ""
    return version.runtime_management.effective(newest)


def runtime_source(deps: LambdaDeps, version: FunctionVersion) -> RuntimeVersionSource | None:
    """What an environment for `version` loads (verified at launch), or None."""
    digest = effective_digest(deps, version)
    if not digest or deps.runtime_versions is None:
        return None
    return deps.runtime_versions.source(digest)


def version_config(
    deps: LambdaDeps, version: FunctionVersion
) -> shapes.RuntimeVersionConfig | None:
    """`RuntimeVersionConfig` as function configurations show it."""
    digest = effective_digest(deps, version)
    return {"RuntimeVersionArn": runtime_version_arn(deps.region, digest)} if digest else None


def stamped(deps: LambdaDeps, version: FunctionVersion) -> FunctionVersion:
    """`version` after a code or configuration update: FunctionUpdate takes the newest. A
    runtime change under Manual is refused: the pinned version could not run the new runtime."""
    catalog = deps.runtime_versions
    if catalog is None:
        return version
    settings = version.runtime_management
    runtime = version.config.runtime
    if settings.update_on is UpdateRuntimeOn.MANUAL and catalog.runtime_of(settings.pinned) != (
        runtime
    ):
        raise InvalidParameterValueError(
            f"The runtime version {runtime_version_arn(deps.region, settings.pinned)} pinned by"
            f" this function's runtime management configuration is not an available version"
            f" of {runtime}. Set"
            " UpdateRuntimeOn to Auto or FunctionUpdate, or pin a version of that runtime, first."
        )
    return replace(version, runtime_management=settings.stamped(catalog.newest(runtime)))


class RuntimeManagementConfigs:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def get_runtime_management_config(
        self, ctx: RequestContext, request: shapes.GetRuntimeManagementConfigRequest
    ) -> shapes.GetRuntimeManagementConfigResponse:
        target = self._target(ctx, request["FunctionName"], request.get("Qualifier"))
        with self._deps.store.read() as tx:
            version, _ = names.load_version(tx, target)
        settings = version.runtime_management
        response: shapes.GetRuntimeManagementConfigResponse = {
            "UpdateRuntimeOn": settings.update_on.value,
            "FunctionArn": target.arn,
        }
        if settings.update_on is UpdateRuntimeOn.MANUAL:  # "otherwise null is returned"
            response = {
                **response,
                "RuntimeVersionArn": runtime_version_arn(self._deps.region, settings.pinned),
            }
        return response

    def put_runtime_management_config(
        self, ctx: RequestContext, request: shapes.PutRuntimeManagementConfigRequest
    ) -> shapes.PutRuntimeManagementConfigResponse:
        deps = self._deps
        target = self._target(ctx, request["FunctionName"], request.get("Qualifier"))
        mode = UpdateRuntimeOn(request["UpdateRuntimeOn"])
        arn = request.get("RuntimeVersionArn")
        with deps.store.write() as tx:
            version, _ = names.load_version(tx, target)
            pinned = self._pinned(mode, arn, version)
            # A version stored before runtime versions were recorded takes today's newest.
            at_update = version.runtime_management.at_update or (
                deps.runtime_versions.newest(version.config.runtime)
                if deps.runtime_versions is not None
                else ""
            )
            settings = RuntimeManagement(mode, pinned, at_update)
            tx.versions.put(replace(version, runtime_management=settings))
        response: shapes.PutRuntimeManagementConfigResponse = {
            "UpdateRuntimeOn": mode.value,
            "FunctionArn": target.arn,
        }
        if pinned:
            response = {**response, "RuntimeVersionArn": runtime_version_arn(deps.region, pinned)}
        return response

    def _target(
        self, ctx: RequestContext, function_name: str, qualifier: str | None
    ) -> names.Target:
        target = names.resolve(self._deps, ctx, function_name, qualifier)
        if target.qualifier not in (None, LATEST) and not ascii_digits(target.qualifier or ""):
            # The message Lambda answers for an alias (seen from PutRuntimeManagementConfig).
            raise InvalidParameterValueError(
                f"The provided function name {target.arn} is invalid. Aliases are not allowed."
            )
        return target

    def _pinned(self, mode: UpdateRuntimeOn, arn: str | None, version: FunctionVersion) -> str:
        """The digest a Manual request pins ("" for the other modes), or why it cannot."""
        if mode is not UpdateRuntimeOn.MANUAL:
            if arn:
                raise InvalidParameterValueError(
                    "RuntimeVersionArn can be specified only when UpdateRuntimeOn is Manual."
                )
            return ""
        if not arn:
            raise InvalidParameterValueError(
                "RuntimeVersionArn must be specified when UpdateRuntimeOn is Manual."
            )
        parsed = parse_runtime_version_arn(arn)
        catalog = self._deps.runtime_versions
        runtime = (
            catalog.runtime_of(parsed[1])
            if parsed is not None and parsed[0] == self._deps.region and catalog is not None
            else None
        )
        if runtime is None:
            raise InvalidParameterValueError(f"The runtime version {arn} does not exist.")
        if runtime != version.config.runtime:
            raise InvalidParameterValueError(
                f"The runtime version {arn} is not compatible with the function's runtime"
                f" ({version.config.runtime})."
            )
        return parsed[1] if parsed is not None else ""
