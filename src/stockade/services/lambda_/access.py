"""What each Lambda operation needs to be allowed, derived from its typed request.

An operation on a function acts on the function, version or alias ARN the request names
(`FunctionName`, with `Qualifier` where the operation has one); one on the function as a whole
acts on its unqualified ARN; one on an alias, on the alias ARN. Layer operations act on the
layer ARN (publishing, listing versions) or the layer version ARN. Account-wide operations act
on "*". The target is derived by the same functions the handlers use, so a request refused for
its name (InvalidParameterValueException) is refused before any policy is read.

Besides the operation's own action, giving a function a role needs `iam:PassRole` on it (with
`iam:PassedToService`) and attaching layer versions needs `lambda:GetLayerVersion` on each
(through the layer version's policy, which may let another account's functions use it).
Lambda's condition keys are offered where AWS documents them: `lambda:Layer` (CreateFunction,
UpdateFunctionConfiguration), `lambda:CodeSigningConfigArn` (CreateFunction,
PutFunctionCodeSigningConfig), `lambda:Principal` and `lambda:FunctionUrlAuthType`
(AddPermission, Create/UpdateFunctionUrlConfig); a key the request leaves unset is left out, as
AWS does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from stockade.domain.arn import layer_arn
from stockade.domain.event_source_mapping import mapping_arn
from stockade.domain.identity import PrincipalKind
from stockade.policy import LambdaKey
from stockade.services.context import RequestContext
from stockade.services.declaration import ContextKeys, Need, Needs
from stockade.services.lambda_ import names
from stockade.services.lambda_.aliases import named_alias
from stockade.services.lambda_.code_signing_configs import signed_function_target
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import AccessDeniedError, ResourceNotFoundError
from stockade.services.lambda_.esm_tags import mapping_uuid
from stockade.services.lambda_.function_url_lookup import find_url
from stockade.services.lambda_.function_urls import url_target
from stockade.services.lambda_.functions import (
    LayerChoice,
    latest_target,
    layer_choices,
    new_function_target,
)
from stockade.services.lambda_.layers import layer_ref, version_of
from stockade.services.lambda_.permissions import layer_version
from stockade.services.lambda_.policy_documents import policy_target
from stockade.services.lambda_.provisioned import provisioned_target
from stockade.services.lambda_.roles import pass_role_need
from stockade.services.lambda_.scopes import (
    EventSourceMappingPolicies,
    FunctionPolicies,
    InvokedFunctionPolicies,
    LayerVersionPolicies,
)
from stockade.services.lambda_.tags import tagged_target
from stockade.services.lambda_.vpc_config import condition_keys as vpc_keys
from stockade.shapes import lambda_ as shapes

TargetOf = Callable[[LambdaDeps, RequestContext, str], names.Target]


class LambdaAccess:
    """The needs of Lambda's operations (see the module docstring)."""

    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps
        self._functions = FunctionPolicies(deps)
        self._layers = LayerVersionPolicies(deps)
        self._invoked = InvokedFunctionPolicies(deps)
        self._mappings = EventSourceMappingPolicies(deps)

    # -- the common shapes of need -------------------------------------------------------------

    def anywhere(self, action: str) -> Needs[Any]:
        """`action` on "*": the operation names no resource."""
        needs = (Need(action),)
        return lambda ctx, request: needs

    def on_function(self, action: str) -> Needs[Any]:
        """`action` on the function, version or alias `FunctionName` (and `Qualifier`) name."""

        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            target = names.resolve(
                self._deps, ctx, request["FunctionName"], request.get("Qualifier")
            )
            return (Need(action, target.arn, self._functions),)

        return needs

    def on_whole_function(
        self, action: str, target_of: TargetOf = names.resolve, member: str = "FunctionName"
    ) -> Needs[Any]:
        """`action` on the unqualified ARN of the function `member` names; `target_of` is the
        handler's own resolution (it refuses a qualifier where the operation does)."""

        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            target = target_of(self._deps, ctx, request[member])
            return (Need(action, target.unqualified_arn, self._functions),)

        return needs

    def on_tagged(self, action: str) -> Needs[Any]:
        """`action` on the event source mapping a `Resource` ARN names (its function as
        `lambda:FunctionArn`), or on the function (versions and aliases carry no tags)."""
        on_function = self.on_whole_function(action, tagged_target, "Resource")

        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            if mapping_uuid(request["Resource"]) is not None:
                return (Need(action, request["Resource"], self._mappings),)
            return on_function(ctx, request)

        return needs

    def on_policy_resource(self, action: str) -> Needs[Any]:
        """`action` on the function, version or alias a complete `ResourceArn` names (the
        resource-policy document operations)."""

        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            target = policy_target(self._deps, ctx, request["ResourceArn"])
            return (Need(action, target.arn, self._functions),)

        return needs

    def on_alias(self, action: str) -> Needs[Any]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            target = named_alias(self._deps, ctx, request["FunctionName"], request["Name"])
            return (Need(action, target.arn, self._functions),)

        return needs

    def on_provisioned(self, action: str) -> Needs[Any]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            target = provisioned_target(
                self._deps,
                ctx,
                request["FunctionName"],
                request["Qualifier"],
                putting=action == "lambda:PutProvisionedConcurrencyConfig",
            )
            return (Need(action, target.arn, self._functions),)

        return needs

    def on_layer(self, action: str) -> Needs[Any]:
        """`action` on the layer `LayerName` names (its versions have the policies)."""

        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            ref = layer_ref(self._deps, ctx, request["LayerName"])
            arn = layer_arn(self._deps.region, ref.account_id, ref.name)
            return (Need(action, arn, self._layers),)

        return needs

    def on_layer_version(self, action: str) -> Needs[Any]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            *_, arn = layer_version(self._deps, ctx, request["LayerName"], request["VersionNumber"])
            return (Need(action, arn, self._layers),)

        return needs

    def on_code_signing_config(self, action: str) -> Needs[Any]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            return (Need(action, request["CodeSigningConfigArn"]),)

        return needs

    # -- operations with needs of their own ----------------------------------------------------

    def invoke(self, ctx: RequestContext, request: shapes.InvocationRequest) -> Sequence[Need]:
        target = names.resolve(self._deps, ctx, request["FunctionName"], request.get("Qualifier"))
        return (Need("lambda:InvokeFunction", target.arn, self._invoked),)

    def invoked(self, ctx: RequestContext, request: shapes.InvocationRequest) -> Sequence[str]:
        """The ARN an Invoke names, its qualifier included (data event selection)."""
        target = names.resolve(self._deps, ctx, request["FunctionName"], request.get("Qualifier"))
        return (target.arn,)

    def invoke_function_url(self, ctx: RequestContext, request: Any) -> Sequence[Need]:
        """A request to a function URL: `lambda:InvokeFunctionUrl` and, as AWS requires of
        URLs created since October 2025, `lambda:InvokeFunction`, both with the URL's
        `lambda:FunctionUrlAuthType` and `lambda:InvokedViaFunctionUrl` true. An AWS_IAM URL
        is never open to an unsigned caller, whatever its policy says; a NONE URL is open to
        whom its resource policy lets in (anonymous callers have no other policy)."""
        found = find_url(self._deps, request["FunctionUrlId"])
        if found is None:
            raise ResourceNotFoundError("The function URL does not exist.")
        auth_type = found.config.auth_type
        ctx.notes.add("authType", auth_type)
        if auth_type == "AWS_IAM" and ctx.principal.kind is PrincipalKind.ANONYMOUS:
            raise AccessDeniedError("The function URL's AuthType is AWS_IAM: the request must be"
                                    " signed.")  # fmt: skip
        keys: ContextKeys = {
            LambdaKey.FUNCTION_URL_AUTH_TYPE.value: (auth_type,),
            LambdaKey.INVOKED_VIA_FUNCTION_URL.value: ("true",),
        }
        arn = found.target.arn
        return (
            Need("lambda:InvokeFunctionUrl", arn, self._invoked, keys),
            Need("lambda:InvokeFunction", arn, self._invoked, keys),
        )

    def create_event_source_mapping(self, ctx: RequestContext, request: Any) -> Sequence[Need]:
        """On "*", with the function it would invoke as `lambda:FunctionArn` (AWS: the
        resource does not exist yet)."""
        target = names.resolve(self._deps, ctx, request["FunctionName"])
        keys: ContextKeys = {LambdaKey.FUNCTION_ARN.value: (target.arn,)}
        needs = [Need("lambda:CreateEventSourceMapping", "*", context=keys)]
        if request.get("Tags"):  # tag on create (developer guide, tags-esm)
            needs.append(Need("lambda:TagResource", "*", context=keys))
        return needs

    def on_event_source_mapping(self, action: str) -> Needs[Any]:
        """`action` on the mapping `UUID` names; its function is `lambda:FunctionArn`. An
        update that moves it to another function needs that function allowed too."""

        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            arn = mapping_arn(self._deps.region, ctx.principal.account_id, request["UUID"])
            found = [Need(action, arn, self._mappings)]
            if "FunctionName" in request:
                target = names.resolve(self._deps, ctx, request["FunctionName"])
                keys: ContextKeys = {LambdaKey.FUNCTION_ARN.value: (target.arn,)}
                found.append(Need(action, arn, context=keys))
            return found

        return needs

    def invoked_url(self, ctx: RequestContext, request: Any) -> Sequence[str]:
        """The function or alias ARN a function URL request invokes (data event selection)."""
        found = find_url(self._deps, request["FunctionUrlId"])
        return () if found is None else (found.target.arn,)

    def create_function(
        self, ctx: RequestContext, request: shapes.CreateFunctionRequest
    ) -> Sequence[Need]:
        target = new_function_target(self._deps, ctx, request["FunctionName"])
        layers = layer_choices(ctx, request.get("Layers", ()))
        context = _layer_key(layers)
        signing = request.get("CodeSigningConfigArn")
        if signing:
            context[LambdaKey.CODE_SIGNING_CONFIG_ARN] = (signing,)
        context.update(vpc_keys(self._deps, target.account_id, request.get("VpcConfig")))
        return (
            Need("lambda:CreateFunction", target.unqualified_arn, self._functions, context),
            pass_role_need(request["Role"]),
            *self._attaching(layers),
        )

    def update_function_configuration(
        self, ctx: RequestContext, request: shapes.UpdateFunctionConfigurationRequest
    ) -> Sequence[Need]:
        target = latest_target(self._deps, ctx, request["FunctionName"])
        layers = layer_choices(ctx, request["Layers"]) if "Layers" in request else []
        context = _layer_key(layers)
        context.update(vpc_keys(self._deps, target.account_id, request.get("VpcConfig")))
        needs = [
            Need("lambda:UpdateFunctionConfiguration", target.unqualified_arn, self._functions,
                 context)
        ]  # fmt: skip
        if "Role" in request:
            needs.append(pass_role_need(request["Role"]))
        needs.extend(self._attaching(layers))
        return needs

    def add_permission(
        self, ctx: RequestContext, request: shapes.AddPermissionRequest
    ) -> Sequence[Need]:
        target = names.resolve(self._deps, ctx, request["FunctionName"], request.get("Qualifier"))
        context: dict[str, tuple[str, ...]] = {LambdaKey.PRINCIPAL: (request["Principal"],)}
        auth_type = request.get("FunctionUrlAuthType")
        if auth_type:
            context[LambdaKey.FUNCTION_URL_AUTH_TYPE] = (auth_type,)
        return (Need("lambda:AddPermission", target.arn, self._functions, context),)

    def on_function_url(self, action: str) -> Needs[Any]:
        """`action` on the function or alias whose URL the request names; the requested
        AuthType is offered as `lambda:FunctionUrlAuthType` (AWS's service authorization
        reference lists the key for the function URL actions)."""

        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            target = url_target(self._deps, ctx, request["FunctionName"], request.get("Qualifier"))
            context: dict[str, tuple[str, ...]] = {}
            if request.get("AuthType"):
                context[LambdaKey.FUNCTION_URL_AUTH_TYPE] = (request["AuthType"],)
            return (Need(action, target.arn, self._functions, context),)

        return needs

    def put_function_code_signing_config(
        self, ctx: RequestContext, request: shapes.PutFunctionCodeSigningConfigRequest
    ) -> Sequence[Need]:
        target = signed_function_target(self._deps, ctx, request["FunctionName"])
        context: ContextKeys = {
            LambdaKey.CODE_SIGNING_CONFIG_ARN: (request["CodeSigningConfigArn"],)
        }
        return (Need("lambda:PutFunctionCodeSigningConfig", target.arn, self._functions, context),)

    def get_layer_version_by_arn(
        self, ctx: RequestContext, request: shapes.GetLayerVersionByArnRequest
    ) -> Sequence[Need]:
        ref = layer_ref(self._deps, ctx, request["Arn"])
        arn = layer_arn(self._deps.region, ref.account_id, ref.name, version_of(ref))
        return (Need("lambda:GetLayerVersion", arn, self._layers),)

    def _attaching(self, layers: Sequence[LayerChoice]) -> list[Need]:
        return [Need("lambda:GetLayerVersion", layer.arn, self._layers) for layer in layers]


def _layer_key(layers: Sequence[LayerChoice]) -> dict[str, tuple[str, ...]]:
    return {LambdaKey.LAYER: tuple(layer.arn for layer in layers)} if layers else {}
