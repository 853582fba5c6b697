"""A service's declared operations called in-process, in the kernel's order: the request is
validated against its botocore shape, every declared need is decided by the real authorizer,
then the handler runs (no HTTP, no audit record)."""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
from botocore.model import ServiceModel

from stockade.kernel.authorizer import PolicyAuthorizer
from stockade.kernel.validation import violations
from stockade.services.context import RequestContext
from stockade.services.declaration import Need, Public, ServiceTable


@cache
def _model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def needs_of(table: ServiceTable, ctx: RequestContext, name: str, **params: Any) -> list[Need]:
    access = table.operations[name].access
    return [] if isinstance(access, Public) else list(access(ctx, params))


def call(
    table: ServiceTable,
    authorizer: PolicyAuthorizer,
    ctx: RequestContext,
    name: str,
    params: dict[str, Any],
) -> Any:
    shape = _model(table.service).operation_model(name).input_shape
    problems = [] if shape is None else violations(shape, params, _model(table.service).protocol)
    if problems:
        raise table.errors.invalid(problems)
    needs = needs_of(table, ctx, name, **params)
    if not needs and not isinstance(table.operations[name].access, Public):
        raise table.errors.internal("a declaration that needs nothing must say Public")
    for need in needs:
        authorizer.decide(ctx, need, table.errors.access_denied)
    return table.operations[name].handler(ctx, params)
