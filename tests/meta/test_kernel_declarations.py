"""Every operation Stockade serves is declared, and the declarations are complete.

The kernel runs nothing but declarations, so these checks are what stands between a new
operation and a handler that nobody authorizes: an operation of a served model is either
declared (with needs, or reviewed as public) or answered with the not-implemented error.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from stockade.api.operator_address import TARGET_PREFIX
from stockade.services.declaration import (
    READ,
    Operation,
    Public,
    ServiceErrors,
    ServiceTable,
    operation,
)
from tests.meta.kernel_support import (
    LISTENER_OPERATIONS,
    REVIEWED_PUBLIC,
    Observed,
    declaration_problems,
    declared,
    error_code,
    listener_problems,
    model,
)
from tests.support.hostile_wire import wire_request
from tests.support.inprocess import InProcessServer

SERVED = (
    "lambda", "iam", "sts", "kms", "sqs", "logs", "cloudtrail", "signer", "ec2", "events",
    "ssm",
    "secretsmanager",
)  # fmt: skip


def tables(server: InProcessServer) -> dict[str, ServiceTable]:
    assert server.built is not None
    assert server.built.kernel is not None
    return dict(server.built.kernel.tables)


def test_every_served_service_has_a_table(kernel_server: InProcessServer) -> None:
    # ... and the operator API, reachable only through the operator channel.
    assert sorted(tables(kernel_server)) == sorted([*SERVED, "stockade"])


def test_every_operation_is_declared_completely(kernel_server: InProcessServer) -> None:
    assert declaration_problems(tables(kernel_server)) == []
    assert listener_problems(tables(kernel_server)) == []


def test_only_listener_operations_take_unsigned_callers(kernel_server: InProcessServer) -> None:
    anonymous = {
        (service, name)
        for service, table in tables(kernel_server).items()
        for name, op in table.operations.items()
        if op.anonymous
    }
    assert anonymous == set(LISTENER_OPERATIONS)


def test_reviewed_public_operations_are_still_public(kernel_server: InProcessServer) -> None:
    found = {
        (service, op.name) for service, op in declared(tables(kernel_server))
        if isinstance(op.access, Public)
    }  # fmt: skip
    assert found == set(REVIEWED_PUBLIC)


def _undeclared(server: InProcessServer) -> list[tuple[str, str]]:
    known = tables(server)
    return [
        (service, name)
        for service in SERVED
        for name in model(service).operation_names
        if name not in known[service].operations
    ]


def test_every_undeclared_model_operation_answers_not_implemented(
    kernel_server: InProcessServer,
) -> None:
    observed = Observed(kernel_server)
    undeclared = _undeclared(kernel_server)
    assert undeclared, "every model operation is served: this test has nothing left to check"
    wrong = []
    for service, name in undeclared:
        service_model = model(service)
        wire = wire_request(service_model, service_model.operation_model(name), {})
        status, headers, body = kernel_server.signed(
            service, wire.method, wire.path_and_query, wire.headers, wire.body
        )
        trace = observed.last()
        seen = trace.operation.name if trace.operation is not None else None
        code = error_code(service, name, status, headers, body)
        if (status, code, seen, trace.handled) != (501, "NotImplemented", name, False):
            wrong.append(f"{service}:{name} -> {status} {body[:120]!r} (routed to {seen})")
    assert wrong == []


# -- the checks catch what they are for ------------------------------------------------------
def _with(table: ServiceTable, extra: Operation[Any]) -> ServiceTable:
    return replace(table, operations={**table.operations, extra.name: extra})


def _handler(ctx: Any, request: Any) -> dict[str, Any]:
    return {}


def test_an_operation_added_without_a_declaration_is_caught(
    kernel_server: InProcessServer,
) -> None:
    known = tables(kernel_server)
    # A handler put in the table with no access declared: it would run for anyone.
    bypass = Operation("GetFunctionRecursionConfig", _handler, Public(""), READ)
    added = _with(known["lambda"], bypass)
    assert declaration_problems({**known, "lambda": added}) == [
        "lambda:GetFunctionRecursionConfig has no declared access"
    ]


def test_a_public_operation_nobody_reviewed_is_caught(kernel_server: InProcessServer) -> None:
    known = tables(kernel_server)
    added = _with(
        known["lambda"],
        operation("GetFunctionRecursionConfig", _handler, Public("looks harmless"), READ),
    )
    assert declaration_problems({**known, "lambda": added}) == [
        "lambda:GetFunctionRecursionConfig is public but not reviewed as public"
    ]


def test_an_operation_the_model_lacks_is_caught(kernel_server: InProcessServer) -> None:
    known = tables(kernel_server)
    added = _with(known["sts"], operation("MintMoney", _handler, lambda c, r: [], READ))
    assert declaration_problems({**known, "sts": added}) == [
        "sts:MintMoney is not an operation of the sts model"
    ]


@pytest.mark.parametrize("service", SERVED)
def test_each_table_names_its_own_error_shapes(
    kernel_server: InProcessServer, service: str
) -> None:
    errors: ServiceErrors = tables(kernel_server)[service].errors
    denied = errors.access_denied("m")
    invalid = errors.validation("m")
    internal = errors.internal("m")
    assert (denied.http_status, invalid.http_status) == (403, 400)
    assert internal.http_status >= 500
    # The model's own code where it has one; AWS's common codes otherwise.
    modelled = {shape.name for shape in model(service).error_shapes}
    modelled |= DOCUMENTED.get(service, set())
    for error in (denied, invalid, internal):
        assert error.code in modelled or error.code in COMMON_CODES, error.code


# EC2's model names no errors; these are its documented codes for a denial, invalid input
# and its own failure ("Error codes for the Amazon EC2 API").
DOCUMENTED = {"ec2": {"UnauthorizedOperation", "InvalidParameterValue", "InternalError"}}
COMMON_CODES = {
    "AccessDeniedException", "ValidationException", "InternalFailure", "ServiceException",
    "InternalServerError",
}  # fmt: skip


def test_the_operator_channel_speaks_the_operator_model() -> None:
    assert model("stockade").metadata["targetPrefix"] == TARGET_PREFIX
