"""The Lambda control plane: one class per resource, assembled into a declared operation table.

Every operation's needs come from `access.LambdaAccess`; no handler authorizes anything itself.
Invoke is a data event whose resource is the invoked ARN (its qualifier included); everything
else is a management event, read-only for Get* and List*.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from stockade.domain import limits
from stockade.services.declaration import (
    READ,
    WRITE,
    Audit,
    Decider,
    Operation,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.lambda_.access import LambdaAccess
from stockade.services.lambda_.aliases import Aliases, function_target
from stockade.services.lambda_.code_signing_configs import (
    CodeSigningConfigs,
    signed_function_target,
)
from stockade.services.lambda_.concurrency import (
    ConcurrencyGate,
    FunctionConcurrency,
    concurrency_target,
    reserving_target,
)
from stockade.services.lambda_.counters import InvocationCounters
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.downloads import CodeDownloads
from stockade.services.lambda_.errors import AccessDeniedError, ServiceError, ValidationError
from stockade.services.lambda_.event_invoke import EventInvokeConfigs
from stockade.services.lambda_.event_names import LAMBDA_EVENT_NAMES
from stockade.services.lambda_.event_source_mappings import EventSourceMappings
from stockade.services.lambda_.function_urls import FunctionUrls
from stockade.services.lambda_.functions import Functions, latest_target
from stockade.services.lambda_.invalid_requests import refuse_invalid
from stockade.services.lambda_.invoke import FunctionRunner, Invoker
from stockade.services.lambda_.invoke_stream import StreamingInvoker
from stockade.services.lambda_.layers import Layers
from stockade.services.lambda_.permissions import Permissions
from stockade.services.lambda_.policy_documents import PolicyDocuments
from stockade.services.lambda_.provisioned import ProvisionedConcurrency
from stockade.services.lambda_.recursion import RecursionConfigs, recursion_target
from stockade.services.lambda_.runtime_management import RuntimeManagementConfigs
from stockade.services.lambda_.settings import AccountSettings
from stockade.services.lambda_.tags import Tags
from stockade.services.lambda_.url_invoke import UrlInvoker
from stockade.services.lambda_.versions import Versions, publishing_target
from stockade.store.queue_ports import QueueEngine

__all__ = ["ERRORS", "FunctionRunner", "LambdaDeps", "LambdaService", "url_model_text"]

ERRORS = ServiceErrors(AccessDeniedError, ValidationError, ServiceError, refuse_invalid)


def url_model_text() -> str:
    """The model of a function URL request (InvokeFunctionUrl), in botocore's format."""
    return files("stockade.services.lambda_").joinpath("url_model.json").read_text("utf-8")


class LambdaService:
    def __init__(
        self,
        deps: LambdaDeps,
        runner: FunctionRunner | None = None,
        *,
        keep_alive_s: float = 300.0,
        max_lifetime_s: float = 14 * 3600.0,
        concurrency_limit: int = limits.CONCURRENT_EXECUTIONS_DEFAULT,
        counters: InvocationCounters | None = None,
        queues: QueueEngine | None = None,
        decider: Decider | None = None,
    ) -> None:
        self.deps = deps
        self.gate = ConcurrencyGate(concurrency_limit)
        self.counters = counters or InvocationCounters()
        self.invoker = Invoker(deps, runner, self.gate, self.counters, keep_alive_s, max_lifetime_s)
        self.concurrency = FunctionConcurrency(deps, self.gate)
        self.event_invoke = EventInvokeConfigs(deps)
        self.streaming = StreamingInvoker(self.invoker)
        self.provisioned = ProvisionedConcurrency(deps, self.invoker, concurrency_limit)
        self.functions = Functions(deps)
        self.versions = Versions(deps)
        self.aliases = Aliases(deps)
        self.layers = Layers(deps)
        self.tags = Tags(deps)
        self.settings = AccountSettings(deps, self.gate)
        self.downloads = CodeDownloads(deps)
        self.permissions = Permissions(deps)
        self.policy_documents = PolicyDocuments(deps)
        self.code_signing = CodeSigningConfigs(deps)
        self.access = LambdaAccess(deps)
        self.runtime_management = RuntimeManagementConfigs(deps)
        self.recursion = RecursionConfigs(deps)
        self.function_urls = FunctionUrls(deps)
        self.url_invoker = UrlInvoker(self.invoker)
        self.event_source_mappings = EventSourceMappings(deps, queues, decider)

    def table(self) -> ServiceTable:
        """Every Lambda operation Stockade serves, what it needs and how it is audited."""
        return ServiceTable.of(
            "lambda",
            [
                *self._function_operations(),
                *self._layer_operations(),
                *self._configuration_operations(),
                *self._permission_operations(),
                *self._policy_document_operations(),
                *self._code_signing_operations(),
                *self._runtime_management_operations(),
                *self._recursion_operations(),
                *self._streaming_operations(),
                *self._function_url_operations(),
                *self._url_invocation_operations(),
                *self._event_source_mapping_operations(),
            ],
            ERRORS,
            LAMBDA_EVENT_NAMES,
        )

    def _function_operations(self) -> list[Operation[Any]]:
        f, v, a, t, need = self.functions, self.versions, self.aliases, self.tags, self.access
        return [
            operation("CreateFunction", f.create_function, need.create_function, WRITE),
            operation("GetFunction", f.get_function, need.on_function("lambda:GetFunction"),
                      READ),
            operation("GetFunctionConfiguration", f.get_function_configuration,
                      need.on_function("lambda:GetFunctionConfiguration"), READ),
            operation("ListFunctions", f.list_functions, need.anywhere("lambda:ListFunctions"),
                      READ),
            operation("UpdateFunctionCode", f.update_function_code,
                      need.on_whole_function("lambda:UpdateFunctionCode", latest_target), WRITE),
            operation("UpdateFunctionConfiguration", f.update_function_configuration,
                      need.update_function_configuration, WRITE),
            operation("DeleteFunction", f.delete_function,
                      need.on_function("lambda:DeleteFunction"), WRITE),
            operation("PublishVersion", v.publish_version,
                      need.on_whole_function("lambda:PublishVersion", publishing_target), WRITE),
            operation("ListVersionsByFunction", v.list_versions_by_function,
                      need.on_whole_function("lambda:ListVersionsByFunction"), READ),
            operation("CreateAlias", a.create_alias, need.on_alias("lambda:CreateAlias"), WRITE),
            operation("GetAlias", a.get_alias, need.on_alias("lambda:GetAlias"), READ),
            operation("UpdateAlias", a.update_alias, need.on_alias("lambda:UpdateAlias"), WRITE),
            operation("DeleteAlias", a.delete_alias, need.on_alias("lambda:DeleteAlias"), WRITE),
            operation("ListAliases", a.list_aliases,
                      need.on_whole_function("lambda:ListAliases", function_target), READ),
            operation("TagResource", t.tag_resource,
                      need.on_tagged("lambda:TagResource"),
                      WRITE),
            operation("UntagResource", t.untag_resource,
                      need.on_tagged("lambda:UntagResource"),
                      WRITE),
            operation("ListTags", t.list_tags,
                      need.on_tagged("lambda:ListTags"), READ),
            operation("GetAccountSettings", self.settings.get_account_settings,
                      need.anywhere("lambda:GetAccountSettings"), READ),
            operation("Invoke", self.invoker.invoke, need.invoke,
                      Audit(read_only=False, data_event=True, resources=need.invoked)),
        ]  # fmt: skip

    def _streaming_operations(self) -> list[Operation[Any]]:
        need = self.access
        return [
            # AWS authorizes it as lambda:InvokeFunction; a data event like Invoke.
            operation("InvokeWithResponseStream",
                      self.streaming.invoke_with_response_stream, need.invoke,
                      Audit(read_only=False, data_event=True, resources=need.invoked)),
        ]  # fmt: skip

    def _url_invocation_operations(self) -> list[Operation[Any]]:
        need = self.access
        return [
            # A request to a function URL (url_model.json): the only operation an unsigned
            # caller may reach, and then only through the function's resource policy.
            operation("InvokeFunctionUrl", self.url_invoker.invoke_function_url,
                      need.invoke_function_url,
                      Audit(read_only=False, data_event=True, resources=need.invoked_url),
                      anonymous=True),
        ]  # fmt: skip

    def _event_source_mapping_operations(self) -> list[Operation[Any]]:
        m, need = self.event_source_mappings, self.access
        return [
            operation("CreateEventSourceMapping", m.create_event_source_mapping,
                      need.create_event_source_mapping, WRITE),
            operation("GetEventSourceMapping", m.get_event_source_mapping,
                      need.on_event_source_mapping("lambda:GetEventSourceMapping"), READ),
            operation("UpdateEventSourceMapping", m.update_event_source_mapping,
                      need.on_event_source_mapping("lambda:UpdateEventSourceMapping"), WRITE),
            operation("DeleteEventSourceMapping", m.delete_event_source_mapping,
                      need.on_event_source_mapping("lambda:DeleteEventSourceMapping"), WRITE),
            operation("ListEventSourceMappings", m.list_event_source_mappings,
                      need.anywhere("lambda:ListEventSourceMappings"), READ),
        ]  # fmt: skip

    def _layer_operations(self) -> list[Operation[Any]]:
        ly, need = self.layers, self.access
        return [
            operation("PublishLayerVersion", ly.publish_layer_version,
                      need.on_layer("lambda:PublishLayerVersion"), WRITE),
            operation("GetLayerVersion", ly.get_layer_version,
                      need.on_layer_version("lambda:GetLayerVersion"), READ),
            operation("GetLayerVersionByArn", ly.get_layer_version_by_arn,
                      need.get_layer_version_by_arn, READ),
            operation("ListLayers", ly.list_layers, need.anywhere("lambda:ListLayers"), READ),
            operation("ListLayerVersions", ly.list_layer_versions,
                      need.on_layer("lambda:ListLayerVersions"), READ),
            operation("DeleteLayerVersion", ly.delete_layer_version,
                      need.on_layer_version("lambda:DeleteLayerVersion"), WRITE),
        ]  # fmt: skip

    def _configuration_operations(self) -> list[Operation[Any]]:
        c, e, pc, need = self.concurrency, self.event_invoke, self.provisioned, self.access
        return [
            operation("PutFunctionConcurrency", c.put_function_concurrency,
                      need.on_whole_function("lambda:PutFunctionConcurrency",
                                             reserving_target), WRITE),
            operation("GetFunctionConcurrency", c.get_function_concurrency,
                      need.on_whole_function("lambda:GetFunctionConcurrency",
                                             concurrency_target), READ),
            operation("DeleteFunctionConcurrency", c.delete_function_concurrency,
                      need.on_whole_function("lambda:DeleteFunctionConcurrency",
                                             concurrency_target), WRITE),
            operation("PutFunctionEventInvokeConfig", e.put_function_event_invoke_config,
                      need.on_function("lambda:PutFunctionEventInvokeConfig"), WRITE),
            operation("UpdateFunctionEventInvokeConfig", e.update_function_event_invoke_config,
                      need.on_function("lambda:UpdateFunctionEventInvokeConfig"), WRITE),
            operation("GetFunctionEventInvokeConfig", e.get_function_event_invoke_config,
                      need.on_function("lambda:GetFunctionEventInvokeConfig"), READ),
            operation("DeleteFunctionEventInvokeConfig", e.delete_function_event_invoke_config,
                      need.on_function("lambda:DeleteFunctionEventInvokeConfig"), WRITE),
            operation("ListFunctionEventInvokeConfigs", e.list_function_event_invoke_configs,
                      need.on_whole_function("lambda:ListFunctionEventInvokeConfigs"), READ),
            operation("PutProvisionedConcurrencyConfig", pc.put_provisioned_concurrency_config,
                      need.on_provisioned("lambda:PutProvisionedConcurrencyConfig"), WRITE),
            operation("GetProvisionedConcurrencyConfig", pc.get_provisioned_concurrency_config,
                      need.on_provisioned("lambda:GetProvisionedConcurrencyConfig"), READ),
            operation("DeleteProvisionedConcurrencyConfig",
                      pc.delete_provisioned_concurrency_config,
                      need.on_provisioned("lambda:DeleteProvisionedConcurrencyConfig"), WRITE),
            operation("ListProvisionedConcurrencyConfigs",
                      pc.list_provisioned_concurrency_configs,
                      need.on_function("lambda:ListProvisionedConcurrencyConfigs"), READ),
        ]  # fmt: skip

    def _permission_operations(self) -> list[Operation[Any]]:
        p, need = self.permissions, self.access
        return [
            operation("AddPermission", p.add_permission, need.add_permission, WRITE),
            operation("RemovePermission", p.remove_permission,
                      need.on_function("lambda:RemovePermission"), WRITE),
            operation("GetPolicy", p.get_policy, need.on_function("lambda:GetPolicy"), READ),
            operation("AddLayerVersionPermission", p.add_layer_version_permission,
                      need.on_layer_version("lambda:AddLayerVersionPermission"), WRITE),
            operation("RemoveLayerVersionPermission", p.remove_layer_version_permission,
                      need.on_layer_version("lambda:RemoveLayerVersionPermission"), WRITE),
            operation("GetLayerVersionPolicy", p.get_layer_version_policy,
                      need.on_layer_version("lambda:GetLayerVersionPolicy"), READ),
        ]  # fmt: skip

    def _policy_document_operations(self) -> list[Operation[Any]]:
        d, need = self.policy_documents, self.access
        return [
            operation("PutResourcePolicy", d.put_resource_policy,
                      need.on_policy_resource("lambda:PutResourcePolicy"), WRITE),
            operation("GetResourcePolicy", d.get_resource_policy,
                      need.on_policy_resource("lambda:GetResourcePolicy"), READ),
            operation("DeleteResourcePolicy", d.delete_resource_policy,
                      need.on_policy_resource("lambda:DeleteResourcePolicy"), WRITE),
        ]  # fmt: skip

    def _code_signing_operations(self) -> list[Operation[Any]]:
        c, need = self.code_signing, self.access
        return [
            operation("CreateCodeSigningConfig", c.create_code_signing_config,
                      need.anywhere("lambda:CreateCodeSigningConfig"), WRITE),
            operation("GetCodeSigningConfig", c.get_code_signing_config,
                      need.on_code_signing_config("lambda:GetCodeSigningConfig"), READ),
            operation("UpdateCodeSigningConfig", c.update_code_signing_config,
                      need.on_code_signing_config("lambda:UpdateCodeSigningConfig"), WRITE),
            operation("DeleteCodeSigningConfig", c.delete_code_signing_config,
                      need.on_code_signing_config("lambda:DeleteCodeSigningConfig"), WRITE),
            operation("ListCodeSigningConfigs", c.list_code_signing_configs,
                      need.anywhere("lambda:ListCodeSigningConfigs"), READ),
            operation("ListFunctionsByCodeSigningConfig", c.list_functions_by_code_signing_config,
                      need.on_code_signing_config("lambda:ListFunctionsByCodeSigningConfig"),
                      READ),
            operation("PutFunctionCodeSigningConfig", c.put_function_code_signing_config,
                      need.put_function_code_signing_config, WRITE),
            operation("GetFunctionCodeSigningConfig", c.get_function_code_signing_config,
                      need.on_whole_function("lambda:GetFunctionCodeSigningConfig",
                                             signed_function_target), READ),
            operation("DeleteFunctionCodeSigningConfig", c.delete_function_code_signing_config,
                      need.on_whole_function("lambda:DeleteFunctionCodeSigningConfig",
                                             signed_function_target), WRITE),
        ]  # fmt: skip

    def _runtime_management_operations(self) -> list[Operation[Any]]:
        r, need = self.runtime_management, self.access
        return [
            operation("GetRuntimeManagementConfig", r.get_runtime_management_config,
                      need.on_function("lambda:GetRuntimeManagementConfig"), READ),
            operation("PutRuntimeManagementConfig", r.put_runtime_management_config,
                      need.on_function("lambda:PutRuntimeManagementConfig"), WRITE),
        ]  # fmt: skip

    def _recursion_operations(self) -> list[Operation[Any]]:
        r, need = self.recursion, self.access
        return [
            operation("GetFunctionRecursionConfig", r.get_function_recursion_config,
                      need.on_whole_function("lambda:GetFunctionRecursionConfig",
                                             recursion_target), READ),
            operation("PutFunctionRecursionConfig", r.put_function_recursion_config,
                      need.on_whole_function("lambda:PutFunctionRecursionConfig",
                                             recursion_target), WRITE),
        ]  # fmt: skip

    def _function_url_operations(self) -> list[Operation[Any]]:
        u, need = self.function_urls, self.access
        return [
            operation("CreateFunctionUrlConfig", u.create_function_url_config,
                      need.on_function_url("lambda:CreateFunctionUrlConfig"), WRITE),
            operation("GetFunctionUrlConfig", u.get_function_url_config,
                      need.on_function_url("lambda:GetFunctionUrlConfig"), READ),
            operation("UpdateFunctionUrlConfig", u.update_function_url_config,
                      need.on_function_url("lambda:UpdateFunctionUrlConfig"), WRITE),
            operation("DeleteFunctionUrlConfig", u.delete_function_url_config,
                      need.on_function_url("lambda:DeleteFunctionUrlConfig"), WRITE),
            operation("ListFunctionUrlConfigs", u.list_function_url_configs,
                      need.on_whole_function("lambda:ListFunctionUrlConfigs"), READ),
        ]  # fmt: skip
