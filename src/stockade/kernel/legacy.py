"""TRANSITIONAL: services whose handlers still authorize themselves, as undeclared tables.

Each such operation is marked `Public` with a reason starting `UNDECLARED`, which the
meta-tests report as a failure; this module goes once every service is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from stockade.kernel.audit_records import is_data_event, is_read_only
from stockade.services.context import RequestContext
from stockade.services.declaration import Audit, Operation, Public, ServiceErrors, ServiceTable

UNDECLARED = "UNDECLARED: the handler authorizes itself"


def undeclared_table(
    service: str,
    operations: Mapping[str, Callable[..., Any]],
    errors: ServiceErrors,
    resources: Mapping[str, Callable[[RequestContext, Any], Sequence[str]]] | None = None,
) -> ServiceTable:
    found = resources or {}
    return ServiceTable.of(
        service,
        [
            Operation(
                name,
                handler,
                Public(UNDECLARED),
                Audit(is_read_only(service, name), is_data_event(service, name), found.get(name)),
            )
            for name, handler in operations.items()
        ],
        errors,
    )
