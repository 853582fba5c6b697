"""The Lambda control plane: one class per resource, assembled into an operation table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stockade.domain import limits
from stockade.services.context import RequestContext
from stockade.services.lambda_.aliases import Aliases
from stockade.services.lambda_.code_signing_configs import CodeSigningConfigs
from stockade.services.lambda_.concurrency import ConcurrencyGate, FunctionConcurrency
from stockade.services.lambda_.counters import InvocationCounters
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.downloads import CodeDownloads
from stockade.services.lambda_.event_invoke import EventInvokeConfigs
from stockade.services.lambda_.functions import Functions
from stockade.services.lambda_.invoke import FunctionRunner, Invoker
from stockade.services.lambda_.layers import Layers
from stockade.services.lambda_.permissions import Permissions
from stockade.services.lambda_.provisioned import ProvisionedConcurrency
from stockade.services.lambda_.settings import AccountSettings
from stockade.services.lambda_.tags import Tags
from stockade.services.lambda_.versions import Versions

Operation = Callable[[RequestContext, Any], Any]

__all__ = ["FunctionRunner", "LambdaDeps", "LambdaService", "Operation"]


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
    ) -> None:
        self.deps = deps
        self.gate = ConcurrencyGate(concurrency_limit)
        self.counters = counters or InvocationCounters()
        self.invoker = Invoker(deps, runner, self.gate, self.counters, keep_alive_s, max_lifetime_s)
        self.concurrency = FunctionConcurrency(deps, self.gate)
        self.event_invoke = EventInvokeConfigs(deps)
        self.provisioned = ProvisionedConcurrency(deps, self.invoker)
        self.functions = Functions(deps)
        self.versions = Versions(deps)
        self.aliases = Aliases(deps)
        self.layers = Layers(deps)
        self.tags = Tags(deps)
        self.settings = AccountSettings(deps, self.gate)
        self.downloads = CodeDownloads(deps)
        self.permissions = Permissions(deps)
        self.code_signing = CodeSigningConfigs(deps)

    def operations(self) -> Mapping[str, Operation]:
        """Operation name (as in botocore's model) -> use case."""
        f, v, a, ly, t = self.functions, self.versions, self.aliases, self.layers, self.tags
        p = self.permissions
        return {
            "CreateFunction": f.create_function,
            "GetFunction": f.get_function,
            "GetFunctionConfiguration": f.get_function_configuration,
            "ListFunctions": f.list_functions,
            "UpdateFunctionCode": f.update_function_code,
            "UpdateFunctionConfiguration": f.update_function_configuration,
            "DeleteFunction": f.delete_function,
            "PublishVersion": v.publish_version,
            "ListVersionsByFunction": v.list_versions_by_function,
            "CreateAlias": a.create_alias,
            "GetAlias": a.get_alias,
            "UpdateAlias": a.update_alias,
            "DeleteAlias": a.delete_alias,
            "ListAliases": a.list_aliases,
            "PublishLayerVersion": ly.publish_layer_version,
            "GetLayerVersion": ly.get_layer_version,
            "GetLayerVersionByArn": ly.get_layer_version_by_arn,
            "ListLayers": ly.list_layers,
            "ListLayerVersions": ly.list_layer_versions,
            "DeleteLayerVersion": ly.delete_layer_version,
            "TagResource": t.tag_resource,
            "UntagResource": t.untag_resource,
            "ListTags": t.list_tags,
            "GetAccountSettings": self.settings.get_account_settings,
            "Invoke": self.invoker.invoke,
            "PutFunctionConcurrency": self.concurrency.put_function_concurrency,
            "GetFunctionConcurrency": self.concurrency.get_function_concurrency,
            "DeleteFunctionConcurrency": self.concurrency.delete_function_concurrency,
            "PutFunctionEventInvokeConfig": self.event_invoke.put_function_event_invoke_config,
            "UpdateFunctionEventInvokeConfig": (
                self.event_invoke.update_function_event_invoke_config
            ),
            "GetFunctionEventInvokeConfig": self.event_invoke.get_function_event_invoke_config,
            "DeleteFunctionEventInvokeConfig": (
                self.event_invoke.delete_function_event_invoke_config
            ),
            "PutProvisionedConcurrencyConfig": (
                self.provisioned.put_provisioned_concurrency_config
            ),
            "GetProvisionedConcurrencyConfig": (
                self.provisioned.get_provisioned_concurrency_config
            ),
            "DeleteProvisionedConcurrencyConfig": (
                self.provisioned.delete_provisioned_concurrency_config
            ),
            "ListProvisionedConcurrencyConfigs": (
                self.provisioned.list_provisioned_concurrency_configs
            ),
            "ListFunctionEventInvokeConfigs": (
                self.event_invoke.list_function_event_invoke_configs
            ),
            "AddPermission": p.add_permission,
            "RemovePermission": p.remove_permission,
            "GetPolicy": p.get_policy,
            "AddLayerVersionPermission": p.add_layer_version_permission,
            "RemoveLayerVersionPermission": p.remove_layer_version_permission,
            "GetLayerVersionPolicy": p.get_layer_version_policy,
            **self._code_signing_operations(),
        }

    def _code_signing_operations(self) -> Mapping[str, Operation]:
        c = self.code_signing
        return {
            "CreateCodeSigningConfig": c.create_code_signing_config,
            "GetCodeSigningConfig": c.get_code_signing_config,
            "UpdateCodeSigningConfig": c.update_code_signing_config,
            "DeleteCodeSigningConfig": c.delete_code_signing_config,
            "ListCodeSigningConfigs": c.list_code_signing_configs,
            "ListFunctionsByCodeSigningConfig": c.list_functions_by_code_signing_config,
            "PutFunctionCodeSigningConfig": c.put_function_code_signing_config,
            "GetFunctionCodeSigningConfig": c.get_function_code_signing_config,
            "DeleteFunctionCodeSigningConfig": c.delete_function_code_signing_config,
        }
