"""Concurrency: reserved concurrency per function and the account's limit, enforced on invoke.

Each account has a concurrency limit (default 1,000). A function with reserved concurrency may
run at most that many invocations at once and always has them available; all other functions
share what is left, which never drops below the unreserved minimum (100). Reserved concurrency
0 throttles every invocation: the "disable this function" lever. An invocation over a limit is
refused with 429 TooManyRequestsException and Lambda's `Reason`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from stockade.domain import limits
from stockade.domain.arn import LATEST
from stockade.domain.function import Function
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names
from stockade.services.lambda_.configuration_items import record_change
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    InvalidParameterValueError,
    ResourceNotFoundError,
    TooManyRequestsError,
)
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

RESERVED_LIMIT_EXCEEDED = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT_EXCEEDED = "ConcurrentInvocationLimitExceeded"


class ConcurrencyGate:
    """Counts invocations in flight per function and per account's unreserved pool."""

    def __init__(self, account_limit: int) -> None:
        self.account_limit = account_limit
        self._lock = threading.Lock()
        self._running: dict[tuple[AccountId, str], int] = {}
        self._unreserved_running: dict[AccountId, int] = {}
        self._reserved_total: dict[AccountId, int] = {}  # a cache of the store's sum

    def forget_reservations(self, account: AccountId) -> None:
        with self._lock:
            self._reserved_total.pop(account, None)

    def reserved_total(self, store: Store, account: AccountId) -> int:
        """The account's reserved concurrency, summed from the store only on a cache miss."""
        with self._lock:
            cached = self._reserved_total.get(account)
        if cached is not None:
            return cached
        with store.read() as tx:
            total = sum_reserved(tx, account)
        with self._lock:
            self._reserved_total[account] = total
        return total

    @contextmanager
    def slot(self, function: Function, reserved_total: int) -> Iterator[None]:
        """Hold one unit of concurrency for the duration of an invocation, or raise 429."""
        key = (function.account_id, function.name)
        reserved = function.reserved_concurrency
        with self._lock:
            if reserved is not None:
                if self._running.get(key, 0) >= reserved:
                    raise TooManyRequestsError("Rate Exceeded.", RESERVED_LIMIT_EXCEEDED)
            else:
                pool = self.account_limit - reserved_total
                if self._unreserved_running.get(function.account_id, 0) >= pool:
                    raise TooManyRequestsError("Rate Exceeded.", ACCOUNT_LIMIT_EXCEEDED)
                self._unreserved_running[function.account_id] = (
                    self._unreserved_running.get(function.account_id, 0) + 1
                )
            self._running[key] = self._running.get(key, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._running[key] -= 1
                if not self._running[key]:
                    del self._running[key]
                if reserved is None:
                    self._unreserved_running[function.account_id] -= 1

    def running(self, account: AccountId, function_name: str) -> int:
        with self._lock:
            return self._running.get((account, function_name), 0)


def sum_reserved(tx: Transaction, account: AccountId, *, excluding: str | None = None) -> int:
    total, after = 0, None
    while True:
        page = tx.functions.page(account, after, 500)
        for function in page:
            if function.name != excluding and function.reserved_concurrency is not None:
                total += function.reserved_concurrency
        if len(page) < 500:
            return total
        after = page[-1].name


class FunctionConcurrency:
    """PutFunctionConcurrency, GetFunctionConcurrency, DeleteFunctionConcurrency."""

    def __init__(self, deps: LambdaDeps, gate: ConcurrencyGate) -> None:
        self._deps = deps
        self._gate = gate

    def put_function_concurrency(
        self, ctx: RequestContext, request: shapes.PutFunctionConcurrencyRequest
    ) -> shapes.Concurrency:
        deps = self._deps
        target = reserving_target(deps, ctx, request["FunctionName"])
        wanted = request["ReservedConcurrentExecutions"]
        with deps.store.write() as tx:
            function = tx.functions.get(target.account_id, target.name)
            if function is None:  # Lambda names $LATEST here
                raise names.not_found(replace(target, qualifier=LATEST))
            others = sum_reserved(tx, target.account_id, excluding=target.name)
            if self._gate.account_limit - others - wanted < limits.UNRESERVED_CONCURRENCY_MIN:
                raise InvalidParameterValueError(
                    "Specified ReservedConcurrentExecutions for function decreases account's"
                    " UnreservedConcurrentExecution below its minimum value of"
                    f" [{limits.UNRESERVED_CONCURRENCY_MIN}].",
                    typed=False,  # as AWS sends it (recorded)
                )
            provisioned = sum(c.requested for c in function.provisioned.values())
            if provisioned > wanted:  # provisioned environments come out of the reservation
                raise InvalidParameterValueError(
                    f" ReservedConcurrentExecutions  {wanted} should not be lower than function's"
                    f" total provisioned concurrency [{provisioned}]."
                )
            tx.functions.put(replace(function, reserved_concurrency=wanted))
            record_change(deps, ctx, tx, target.account_id, target.name)
        self._gate.forget_reservations(target.account_id)
        return {"ReservedConcurrentExecutions": wanted}

    def get_function_concurrency(
        self, ctx: RequestContext, request: shapes.GetFunctionConcurrencyRequest
    ) -> shapes.GetFunctionConcurrencyResponse:
        deps = self._deps
        target = concurrency_target(deps, ctx, request["FunctionName"])
        with deps.store.read() as tx:
            function = names.load_function(tx, target)
        if function.reserved_concurrency is None:
            return {}
        return {"ReservedConcurrentExecutions": function.reserved_concurrency}

    def delete_function_concurrency(
        self, ctx: RequestContext, request: shapes.DeleteFunctionConcurrencyRequest
    ) -> None:
        deps = self._deps
        target = concurrency_target(deps, ctx, request["FunctionName"])
        with deps.store.write() as tx:
            function = names.load_function(tx, target)
            tx.functions.put(replace(function, reserved_concurrency=None))
            record_change(deps, ctx, tx, target.account_id, target.name)
        self._gate.forget_reservations(target.account_id)


def reserving_target(deps: LambdaDeps, ctx: RequestContext, function_name: str) -> names.Target:
    """The function PutFunctionConcurrency reserves for; a version or alias is refused with
    Lambda's message (recorded AWS response)."""
    target = names.resolve(deps, ctx, function_name)
    if target.qualifier is not None:
        raise InvalidParameterValueError(
            "This operation is permitted on Lambda functions only. Aliases and versions do not"
            " support this operation. Please specify either a function name or an unqualified"
            " function ARN."
        )
    return target


def concurrency_target(deps: LambdaDeps, ctx: RequestContext, function_name: str) -> names.Target:
    """The function whose reserved concurrency is read or set (a qualifier names no such
    function, as Lambda answers)."""
    target = names.resolve(deps, ctx, function_name)
    if target.qualifier is not None:
        raise ResourceNotFoundError(f"Function not found: {target.arn}")
    return target
