"""Create, read, update and delete functions ($LATEST and the function as a whole)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from stockade.domain import limits
from stockade.domain.arn import LATEST, parse_layer_name
from stockade.domain.errors import InvalidArnError, InvalidConfigurationError
from stockade.domain.function import (
    EncryptedEnvironment,
    Function,
    FunctionConfig,
    FunctionVersion,
    LayerAttachment,
)
from stockade.domain.function_lifecycle import Deployment, transition
from stockade.domain.function_rules import check_config, check_environment
from stockade.domain.function_vpc import FunctionVpc
from stockade.services.context import RequestContext
from stockade.services.events.function_state_events import StateChange
from stockade.services.lambda_ import (
    logging_config,
    names,
    packages,
    presenters,
    roles,
    runtime_management,
    tags,
    tenancy,
    vpc_config,
)
from stockade.services.lambda_.code_signing_configs import load as load_code_signing_config
from stockade.services.lambda_.code_verification import check_deployment
from stockade.services.lambda_.configuration_items import record_change
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    CodeSigningConfigNotFoundError,
    InvalidParameterValueError,
    PreconditionFailedError,
    ResourceConflictError,
)
from stockade.services.lambda_.paging import decode_marker, encode_marker, page_size
from stockade.services.lambda_.state_events import record_state_changes
from stockade.services.lambda_.unsupported import refuse_non_zip_code, refuse_unsupported
from stockade.services.lambda_.versions import publish_recorded
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import Transaction
from stockade.types import AccountId, ascii_digits


class Functions:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def create_function(
        self, ctx: RequestContext, request: shapes.CreateFunctionRequest
    ) -> shapes.FunctionConfiguration:
        deps = self._deps
        target = new_function_target(deps, ctx, request["FunctionName"])
        refuse_unsupported(request)
        roles.check_role(deps, target.account_id, request["Role"])
        zip_bytes = refuse_non_zip_code(request["Code"])
        new_tags = tags.checked_tags(request.get("Tags", {}))
        vpc = (
            vpc_config.checked(deps, target.account_id, request["Role"],
                               vpc_config.requested(request["VpcConfig"]), target.name)
            if "VpcConfig" in request
            else None
        )  # fmt: skip
        with deps.store.read() as tx:
            if tx.functions.get(target.account_id, target.name) is not None:
                raise _exists(target.name)
            layers = _resolve_layers(deps, ctx, tx, request.get("Layers", ()))
            signing_config = request.get("CodeSigningConfigArn") or None
            if signing_config is not None:
                load_code_signing_config(
                    tx, target.account_id, signing_config, CodeSigningConfigNotFoundError
                )
        config = FunctionConfig(
            runtime=request.get("Runtime", ""),
            handler=request.get("Handler", ""),
            role=request["Role"],
            description=request.get("Description", ""),
            timeout=request.get("Timeout", 3),
            memory_size=request.get("MemorySize", 128),
            ephemeral_storage=request.get("EphemeralStorage", {}).get("Size", 512),
            architecture=_architecture(request.get("Architectures")),
            environment=_sealed_environment(
                deps,
                ctx,
                target,
                request.get("KMSKeyArn") or None,
                request.get("Environment", {}).get("Variables", {}),
            ),
            kms_key_arn=request.get("KMSKeyArn") or None,
            layers=layers,
            tracing_mode=request.get("TracingConfig", {}).get("Mode", "PassThrough"),
            **logging_config.settings(request.get("LoggingConfig")),
            dead_letter_arn=_dead_letter(deps, request),
            tenancy=tenancy.requested_mode(request),
            environment_set="Environment" in request,
            vpc=vpc,
        )
        _check(deps, config, creating=True)
        code = packages.store_package(deps, zip_bytes, sum(a.code.unzipped_size for a in layers))
        signature = check_deployment(
            deps, ctx, target.account_id, signing_config, zip_bytes, layers
        )
        code = replace(code, signature=signature)
        now = deps.clock.now()
        created = FunctionVersion(
            account_id=target.account_id,
            function_name=target.name,
            version=LATEST,
            config=config,
            code=code,
            revision_id="",
            last_modified=now,
        )
        latest = transition(
            runtime_management.stamped(deps, created), Deployment.CREATE, _revision(), _revision()
        )
        function = Function(
            target.account_id,
            target.name,
            created=now,
            tags=new_tags,
            code_signing_config_arn=signing_config,
        )
        with deps.store.write() as tx:
            if tx.functions.get(target.account_id, target.name) is not None:
                raise _exists(target.name)
            packages.check_storage_quota(tx, target.account_id, code)
            vpc_config.still_there(tx, target.account_id, config.vpc)
            tx.functions.put(function)
            tx.versions.put(latest.ready)
            record_state_changes(deps, tx, target.region, StateChange.CREATED, [latest.ready])
            shown = latest.accepted
            if request.get("Publish"):  # Lambda answers with version 1, itself pending
                published = publish_recorded(deps, tx, target.region, function, latest.ready, now)
                shown = _published(function, published)
            variables = request.get("Environment", {}).get("Variables", {})
            record_change(deps, ctx, tx, target.account_id, target.name, list(variables))
        return presenters.shown(deps, ctx, shown)

    def get_function(
        self, ctx: RequestContext, request: shapes.GetFunctionRequest
    ) -> shapes.GetFunctionResponse:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        with deps.store.read() as tx:
            version, _ = names.load_version(tx, target)
            function = tx.functions.get(target.account_id, target.name)
        location = deps.code_urls.url(
            ctx.base_url, version.account_id, version.code.sha256, deps.clock.now()
        )
        response: shapes.GetFunctionResponse = {
            "Configuration": presenters.shown(
                deps, ctx, version, qualified_latest=target.qualifier == LATEST
            ),
            "Code": {"RepositoryType": "S3", "Location": location},
        }
        if function is not None and function.tags:
            response = {**response, "Tags": dict(function.tags)}
        if function is not None and function.reserved_concurrency is not None:
            concurrency: shapes.Concurrency = {
                "ReservedConcurrentExecutions": function.reserved_concurrency
            }
            response = {**response, "Concurrency": concurrency}
        return response

    def get_function_configuration(
        self, ctx: RequestContext, request: shapes.GetFunctionConfigurationRequest
    ) -> shapes.FunctionConfiguration:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        with deps.store.read() as tx:
            version, _ = names.load_version(tx, target)
        return presenters.shown(deps, ctx, version, qualified_latest=target.qualifier == LATEST)

    def list_functions(
        self, ctx: RequestContext, request: shapes.ListFunctionsRequest
    ) -> shapes.ListFunctionsResponse:
        deps = self._deps
        account = ctx.principal.account_id
        limit = page_size(request.get("MaxItems"))
        every_version = request.get("FunctionVersion") == "ALL"
        with deps.store.read() as tx:
            if every_version:
                after = decode_marker(request.get("Marker"), 2)
                position = (str(after[0]), str(after[1])) if after else None
                versions = tx.versions.page_all(account, position, limit + 1)
            else:
                after = decode_marker(request.get("Marker"), 1)
                found = tx.functions.page(account, str(after[0]) if after else None, limit + 1)
                versions = [
                    v for f in found if (v := tx.versions.get(account, f.name, LATEST)) is not None
                ]
        response: shapes.ListFunctionsResponse = {
            "Functions": [
                presenters.shown(deps, ctx, v, listed=True, qualified_latest=every_version)
                for v in versions[:limit]
            ]
        }
        if len(versions) > limit:
            last = versions[limit - 1]
            marker = (
                encode_marker(last.function_name, last.version)
                if every_version
                else encode_marker(last.function_name)
            )
            response = {**response, "NextMarker": marker}
        return response

    def update_function_code(
        self, ctx: RequestContext, request: shapes.UpdateFunctionCodeRequest
    ) -> shapes.FunctionConfiguration:
        deps = self._deps
        target = latest_target(deps, ctx, request["FunctionName"])
        refuse_unsupported(request)
        zip_bytes = refuse_non_zip_code(request)
        with deps.store.read() as tx:
            current = _latest(tx, target)
            function = tx.functions.get(target.account_id, target.name)
        architecture = _architecture(request.get("Architectures", [current.config.architecture]))
        config = replace(current.config, architecture=architecture)
        _check(deps, config)
        layers_size = sum(a.code.unzipped_size for a in config.layers)
        code = packages.store_package(deps, zip_bytes, layers_size)
        signing_config = function.code_signing_config_arn if function is not None else None
        signature = check_deployment(deps, ctx, target.account_id, signing_config, zip_bytes)
        code = replace(code, signature=signature)
        if request.get("DryRun"):
            return presenters.shown(deps, ctx, replace(current, code=code))
        return self._replace_latest(
            ctx, target, request.get("RevisionId"), bool(request.get("Publish")), config=config,
            code=code,
        )  # fmt: skip

    def update_function_configuration(
        self, ctx: RequestContext, request: shapes.UpdateFunctionConfigurationRequest
    ) -> shapes.FunctionConfiguration:
        deps = self._deps
        target = latest_target(deps, ctx, request["FunctionName"])
        refuse_unsupported(request)
        if "Role" in request:
            roles.check_role(deps, target.account_id, request["Role"])
        with deps.store.read() as tx:
            current = _latest(tx, target).config
            layers = (
                _resolve_layers(deps, ctx, tx, request["Layers"])
                if "Layers" in request
                else current.layers
            )
            function = tx.functions.get(target.account_id, target.name)
        if "Layers" in request and function is not None:
            # Layers newly attached are deployments too: checked like code.
            added = [layer for layer in layers if layer not in current.layers]
            check_deployment(
                deps, ctx, target.account_id, function.code_signing_config_arn, None, added
            )
        changes: dict[str, Any] = {"layers": layers}
        simple = {
            "Runtime": "runtime",
            "Handler": "handler",
            "Role": "role",
            "Description": "description",
            "Timeout": "timeout",
            "MemorySize": "memory_size",
        }
        for member, field_name in simple.items():
            if member in request:
                changes[field_name] = request[member]  # type: ignore[literal-required]
        environment_names = None
        if "Environment" in request or "KMSKeyArn" in request:
            key_arn = (
                request.get("KMSKeyArn") or None if "KMSKeyArn" in request else current.kms_key_arn
            )
            variables = (
                request["Environment"].get("Variables", {})
                if "Environment" in request
                else deps.environments.current(ctx, target.unqualified_arn, current)
            )
            changes["environment"] = _sealed_environment(deps, ctx, target, key_arn, variables)
            environment_names = list(variables)
            changes["kms_key_arn"] = key_arn
            if "Environment" in request:
                changes["environment_set"] = True
        if "EphemeralStorage" in request:
            changes["ephemeral_storage"] = request["EphemeralStorage"]["Size"]
        if "TracingConfig" in request:
            changes["tracing_mode"] = request["TracingConfig"].get("Mode", "PassThrough")
        if "LoggingConfig" in request:
            changes.update(logging_config.settings(request["LoggingConfig"]))
        if "DeadLetterConfig" in request:
            changes["dead_letter_arn"] = _dead_letter(deps, request)
        vpc = _updated_vpc(deps, target, request, current)
        if vpc is not current.vpc:
            changes["vpc"] = vpc
        config = replace(current, **changes)
        _check(deps, config)
        return self._replace_latest(
            ctx, target, request.get("RevisionId"), False, environment_names, config=config
        )

    def _replace_latest(
        self,
        ctx: RequestContext,
        target: names.Target,
        revision_id: str | None,
        publish_after: bool,
        environment_names: list[str] | None = None,
        **changes: Any,
    ) -> shapes.FunctionConfiguration:
        deps = self._deps
        with deps.store.write() as tx:
            current = _latest(tx, target)
            if revision_id is not None and revision_id != current.revision_id:
                raise PreconditionFailedError()  # "GetFunction/GetAlias", as Lambda words it
            if "code" in changes:
                packages.check_storage_quota(tx, target.account_id, changes["code"])
            if "config" in changes and changes["config"].vpc != current.config.vpc:
                vpc_config.still_there(tx, target.account_id, changes["config"].vpc)
            now = deps.clock.now()
            updated = transition(
                runtime_management.stamped(deps, replace(current, last_modified=now, **changes)),
                Deployment.UPDATE,
                _revision(),
                _revision(),
            )
            tx.versions.put(updated.ready)
            record_state_changes(deps, tx, target.region, StateChange.UPDATED, [updated.ready])
            shown = updated.accepted
            if publish_after:
                function = tx.functions.get(target.account_id, target.name)
                if function is None:  # pragma: no cover - $LATEST exists only with its function
                    raise names.not_found(target)
                published = publish_recorded(deps, tx, target.region, function, updated.ready, now)
                shown = _published(function, published)
            record_change(deps, ctx, tx, target.account_id, target.name, environment_names)
        return presenters.shown(deps, ctx, shown)

    def delete_function(
        self, ctx: RequestContext, request: shapes.DeleteFunctionRequest
    ) -> shapes.DeleteFunctionResponse:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        qualifier = target.qualifier
        with deps.store.write() as tx:
            if tx.functions.get(target.account_id, target.name) is None:
                raise names.not_found(
                    names.Target(target.account_id, target.name, None, target.region)
                )
            if qualifier is None:
                record_state_changes(deps, tx, target.region, StateChange.DELETED,
                                     _every_version(tx, target))  # fmt: skip
                tx.aliases.delete_function(target.account_id, target.name)
                tx.versions.delete_function(target.account_id, target.name)
                tx.functions.delete(target.account_id, target.name)
                record_change(deps, ctx, tx, target.account_id, target.name)
                return {"StatusCode": 204}  # AWS answers 204 (recorded); the model says 200
            if qualifier == LATEST:
                raise InvalidParameterValueError(
                    "$LATEST version cannot be deleted without deleting the function."
                )
            if not ascii_digits(qualifier):
                raise InvalidParameterValueError("Deletion of aliases is not currently supported.")
            doomed = tx.versions.get(target.account_id, target.name, qualifier)
            if doomed is None:
                raise names.not_found(target)
            users = [
                a.name
                for a in tx.aliases.page(target.account_id, target.name, None, 10_000)
                if a.function_version == qualifier or qualifier in a.routing
            ]
            if users:
                raise ResourceConflictError(
                    f"Unable to delete version because the following aliases reference it: {users}"
                )
            tx.versions.delete(target.account_id, target.name, qualifier)
            record_state_changes(deps, tx, target.region, StateChange.DELETED, [doomed])
            record_change(deps, ctx, tx, target.account_id, target.name)  # its policy went too
        return {"StatusCode": 204}


def _updated_vpc(
    deps: LambdaDeps,
    target: names.Target,
    request: shapes.UpdateFunctionConfigurationRequest,
    current: FunctionConfig,
) -> FunctionVpc | None:
    """The VpcConfig after an update, checked again when it or the role changes (a new role
    of a function in a VPC must allow the network-interface actions too)."""
    if "VpcConfig" not in request and "Role" not in request:
        return current.vpc
    wanted = vpc_config.requested(request["VpcConfig"]) if "VpcConfig" in request else current.vpc
    if wanted is None:
        return None
    role = request.get("Role", current.role)
    return vpc_config.checked(deps, target.account_id, role, wanted, target.name)


def _every_version(tx: Transaction, target: names.Target) -> list[FunctionVersion]:
    """$LATEST and every published version, in Lambda's order (bounded by the page count)."""
    found: list[FunctionVersion] = []
    after: str | None = None
    for _ in range(10_000):
        page = tx.versions.page(target.account_id, target.name, after, 1000)
        found += page
        if len(page) < 1000:
            break
        after = page[-1].version
    return found


def _revision() -> str:
    return str(uuid.uuid4())


def _published(before: Function, version: FunctionVersion) -> FunctionVersion:
    """What a create or code update with Publish answers: a version it published is shown
    being created (Pending, recorded AWS responses); an existing one as it is."""
    if version.version == str(before.last_published):
        return version
    return transition(version, Deployment.CREATE, _revision(), version.revision_id).accepted


def _exists(name: str) -> ResourceConflictError:
    return ResourceConflictError(f"Function already exist: {name}")


def new_function_target(deps: LambdaDeps, ctx: RequestContext, function_name: str) -> names.Target:
    """The function CreateFunction names (never a version or alias)."""
    target = names.resolve(deps, ctx, function_name)
    if target.qualifier is not None:
        raise InvalidParameterValueError("A function name cannot carry a qualifier here.")
    if len(target.name) > limits.FUNCTION_NAME_MAX:
        # Lambda's code and wording (recorded AWS response); the value is the name as given.
        raise InvalidParameterValueError(
            f"1 validation error detected: Value '{function_name}' at 'functionName' failed to"
            f" satisfy constraint: Member must have length less than or equal to"
            f" {limits.FUNCTION_NAME_MAX}"
        )
    return target


def latest_target(deps: LambdaDeps, ctx: RequestContext, function_name: str) -> names.Target:
    """The function whose $LATEST an update changes (a qualifier is refused)."""
    target = names.resolve(deps, ctx, function_name)
    if target.qualifier is not None:
        raise InvalidParameterValueError(
            "This operation applies to $LATEST only; remove the qualifier from the function name."
        )
    return target


@dataclass(frozen=True)
class LayerChoice:
    """A layer version a function is to attach: the ARN as given, and what it names."""

    arn: str
    account_id: AccountId
    name: str
    version: int
    region: str


def layer_choices(ctx: RequestContext, arns: Sequence[str]) -> list[LayerChoice]:
    """The layer versions a function would attach; refused before any lookup or authorization
    when there are too many or one is not a layer version ARN."""
    if len(arns) > limits.LAYERS_MAX:
        raise InvalidParameterValueError(f"Cannot reference more than {limits.LAYERS_MAX} layers.")
    choices = []
    for text in arns:
        try:
            ref = parse_layer_name(text, ctx.principal.account_id)
        except InvalidArnError as exc:
            raise InvalidParameterValueError(str(exc)) from exc
        if ref.version is None or ref.region is None:
            raise InvalidParameterValueError(f"Layer version ARN expected: {text[:200]}")
        choices.append(LayerChoice(text, ref.account_id, ref.name, ref.version, ref.region))
    return choices


def _latest(tx: Transaction, target: names.Target) -> FunctionVersion:
    version = tx.versions.get(target.account_id, target.name, LATEST)
    if version is None:
        raise names.not_found(target)
    return version


def _architecture(requested: Sequence[str] | None) -> str:
    return requested[0] if requested else "x86_64"


def _sealed_environment(
    deps: LambdaDeps,
    ctx: RequestContext,
    target: names.Target,
    key_arn: str | None,
    variables: Mapping[str, str],
) -> EncryptedEnvironment | None:
    """Checked, then encrypted under `key_arn` (or aws/lambda) for this function."""
    try:
        check_environment(variables)
    except InvalidConfigurationError as exc:
        raise InvalidParameterValueError(str(exc)) from exc
    return deps.environments.seal(ctx, key_arn, target.unqualified_arn, variables)


def _check(deps: LambdaDeps, config: FunctionConfig, creating: bool = False) -> None:
    try:
        today = deps.clock.now().date()
        check_config(config, deps.runtimes, deps.host_arch, today, creating)
    except InvalidConfigurationError as exc:
        raise InvalidParameterValueError(str(exc)) from exc


def _resolve_layers(
    deps: LambdaDeps, ctx: RequestContext, tx: Transaction, arns: Sequence[str]
) -> tuple[LayerAttachment, ...]:
    attachments = []
    seen: dict[str, str] = {}
    for ref in layer_choices(ctx, arns):
        layer_key = f"{ref.account_id}:{ref.name}"
        if layer_key in seen:
            raise InvalidParameterValueError(
                "Two different versions of the same layer are not allowed to be referenced in"
                " the same function."
            )
        seen[layer_key] = ref.arn
        version = (
            tx.layers.get_version(ref.account_id, ref.name, ref.version)
            if ref.region == deps.region
            else None
        )
        if version is None:
            raise InvalidParameterValueError(f"Layer version {ref.arn} does not exist.")
        attachments.append(LayerAttachment(version.arn(deps.region), version.code))
    return tuple(attachments)


def _dead_letter(deps: LambdaDeps, request: Any) -> str | None:
    """The DeadLetterConfig's queue: one of this server's queues, in this region."""
    arn = (request.get("DeadLetterConfig") or {}).get("TargetArn") or None
    if arn is None:
        return None
    parts = str(arn).split(":")
    if len(parts) != 6 or parts[2] != "sqs" or parts[3] != deps.region:
        raise InvalidParameterValueError(
            "The provided DeadLetterConfig TargetArn is not supported by Stockade: use the ARN"
            " of a queue (sqs) of this server's region."
        )
    return str(arn)
