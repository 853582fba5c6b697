"""Tenant isolation mode: a function's execution environments each serve one tenant only.

Lambda's rules (botocore's lambda model, shapes TenancyConfig, TenantIsolationMode and
TenantId; the developer guide's "Tenant isolation" pages):
  * `TenancyConfig` {TenantIsolationMode: PER_TENANT} is set at CreateFunction and cannot be
    modified afterwards (UpdateFunctionConfiguration has no such member);
  * every invocation of such a function names its tenant (`TenantId`, the X-Amz-Tenant-Id
    header), 1 to 256 characters of `[a-zA-Z0-9._:/=+\\-@ ]`; an environment is dedicated to
    one tenant and reused only for that tenant;
  * functions of other modes take no tenant id.
"""

from __future__ import annotations

import re
from enum import StrEnum

from stockade.domain.errors import InvalidConfigurationError

TENANT_ID_MAX = 256
_TENANT_ID = re.compile(r"[a-zA-Z0-9._:/=+\-@ ]+")


class TenantIsolationMode(StrEnum):
    PER_TENANT = "PER_TENANT"


def parse_mode(value: object) -> TenantIsolationMode:
    """The TenantIsolationMode of a TenancyConfig (the only value Lambda knows: PER_TENANT)."""
    try:
        return TenantIsolationMode(str(value))
    except ValueError:
        raise InvalidConfigurationError(
            f"1 validation error detected: Value '{str(value)[:64]}' at"
            " 'tenancyConfig.tenantIsolationMode' failed to satisfy constraint: Member must"
            " satisfy enum value set: [PER_TENANT]"
        ) from None


def check_tenant_id(value: str) -> str:
    """A tenant id as the model allows it; the message never echoes a refused id."""
    if not 1 <= len(value) <= TENANT_ID_MAX:
        raise InvalidConfigurationError(
            "1 validation error detected: Value at 'tenantId' failed to satisfy constraint:"
            f" Member must have length less than or equal to {TENANT_ID_MAX}"
            if value
            else "1 validation error detected: Value at 'tenantId' failed to satisfy"
            " constraint: Member must have length greater than or equal to 1"
        )
    if value != value.strip(" "):  # a header could not carry it to the function as it is
        raise InvalidConfigurationError("A tenant id cannot begin or end with a space.")
    if _TENANT_ID.fullmatch(value) is None:
        raise InvalidConfigurationError(
            "1 validation error detected: Value at 'tenantId' failed to satisfy constraint:"
            f" Member must satisfy regular expression pattern: {_TENANT_ID.pattern}"
        )
    return value
