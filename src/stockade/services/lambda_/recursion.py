"""Get/PutFunctionRecursionConfig: a function's recursive loop detection setting.

`Terminate` (the default) stops a chain of invocations once the function ran `HOP_LIMIT` times
in it; `Allow` lets it run on. The setting is the function's, not a version's: the model takes
an unqualified name. Enforcement is `recursion_guard`'s.
"""

from __future__ import annotations

from dataclasses import replace

from stockade.services.context import RequestContext
from stockade.services.lambda_ import names
from stockade.services.lambda_.concurrency import concurrency_target
from stockade.services.lambda_.configuration_items import record_change
from stockade.services.lambda_.deps import LambdaDeps
from stockade.shapes import lambda_ as shapes


class RecursionConfigs:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def get_function_recursion_config(
        self, ctx: RequestContext, request: shapes.GetFunctionRecursionConfigRequest
    ) -> shapes.GetFunctionRecursionConfigResponse:
        deps = self._deps
        target = concurrency_target(deps, ctx, request["FunctionName"])
        with deps.store.read() as tx:
            function = names.load_function(tx, target)
        return {"RecursiveLoop": function.recursive_loop}

    def put_function_recursion_config(
        self, ctx: RequestContext, request: shapes.PutFunctionRecursionConfigRequest
    ) -> shapes.PutFunctionRecursionConfigResponse:
        deps = self._deps
        target = concurrency_target(deps, ctx, request["FunctionName"])
        wanted = request["RecursiveLoop"]  # the kernel checked it against the enum
        with deps.store.write() as tx:
            function = names.load_function(tx, target)
            if function.recursive_loop != wanted:
                tx.functions.put(replace(function, recursive_loop=wanted))
                record_change(deps, ctx, tx, target.account_id, target.name)
        return {"RecursiveLoop": wanted}


def recursion_target(deps: LambdaDeps, ctx: RequestContext, function_name: str) -> names.Target:
    """The function whose recursion setting is read or set (qualifiers name no such thing)."""
    return concurrency_target(deps, ctx, function_name)
