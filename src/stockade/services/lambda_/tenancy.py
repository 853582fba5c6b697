"""Tenant isolation mode at Lambda's API: TenancyConfig on CreateFunction, TenantId on Invoke.

The rules themselves are in `domain/tenancy.py`. Here: reading the request members, refusing
what Lambda refuses with its error shape, and rendering `TenancyConfig` in configurations.
Features Lambda documents as incompatible with tenant isolation (SnapStart, provisioned
concurrency, function URLs, event source mappings; AWS CDK's `TenancyConfig` documentation and
the developer guide's "Tenant isolation" page) are refused for such functions; Stockade refuses
SnapStart and event source mappings for every function already.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stockade.domain.errors import InvalidConfigurationError
from stockade.domain.function import FunctionConfig
from stockade.domain.tenancy import TenantIsolationMode, check_tenant_id, parse_mode
from stockade.services.lambda_.errors import InvalidParameterValueError
from stockade.shapes import lambda_ as shapes

TENANT_REQUIRED = (
    "The function has tenant isolation mode enabled (TenancyConfig PER_TENANT): each"
    " invocation must specify a TenantId."
)
TENANT_REFUSED = (
    "TenantId can only be specified for functions with tenant isolation mode enabled"
    " (TenancyConfig PER_TENANT)."
)
NO_FUNCTION_URL = (
    "Function URLs are not supported for functions with tenant isolation mode enabled."
)
NO_PROVISIONED = (
    "Provisioned Concurrency is not supported for functions with tenant isolation mode enabled."
)


def requested_mode(request: Mapping[str, Any]) -> TenantIsolationMode | None:
    """CreateFunction's TenancyConfig, parsed (None when absent)."""
    config = request.get("TenancyConfig")
    if config is None:
        return None
    if not isinstance(config, Mapping):
        raise InvalidParameterValueError("TenancyConfig must be an object.")
    try:
        return parse_mode(config.get("TenantIsolationMode"))
    except InvalidConfigurationError as exc:
        raise InvalidParameterValueError(str(exc)) from exc


def invocation_tenant(config: FunctionConfig, tenant_id: str | None) -> str | None:
    """The tenant an invocation runs for: required by PER_TENANT functions, refused by others."""
    if config.tenancy is None:
        if tenant_id is not None:
            raise InvalidParameterValueError(TENANT_REFUSED)
        return None
    # A header's value has no surrounding whitespace (RFC 9110, 5.5): " a " IS "a" on the wire,
    # and the Runtime API header that tells the function its tenant could carry nothing else.
    # The environment's key and the function's context.tenant_id must be the same string.
    tenant_id = tenant_id.strip(" ") if tenant_id is not None else None
    if not tenant_id:
        raise InvalidParameterValueError(TENANT_REQUIRED)
    try:
        return check_tenant_id(tenant_id)
    except InvalidConfigurationError as exc:
        raise InvalidParameterValueError(str(exc)) from exc


def refuse_provisioned(config: FunctionConfig) -> None:
    """Provisioned environments would be initialised before any tenant is known."""
    if config.tenancy is not None:
        raise InvalidParameterValueError(NO_PROVISIONED)


def refuse_function_url(config: FunctionConfig) -> None:
    """A URL's requests carry no tenant id to route by."""
    if config.tenancy is not None:
        raise InvalidParameterValueError(NO_FUNCTION_URL)


def shown(mode: TenantIsolationMode) -> shapes.TenancyConfig:
    """A function's TenancyConfig as configurations show it (only when a mode is set)."""
    return {"TenantIsolationMode": mode.value}
