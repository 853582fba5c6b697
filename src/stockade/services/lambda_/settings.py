"""GetAccountSettings: the account's quotas and what it uses of them."""

from __future__ import annotations

from stockade.domain import limits
from stockade.services.context import RequestContext
from stockade.services.lambda_.concurrency import ConcurrencyGate, sum_reserved
from stockade.services.lambda_.deps import LambdaDeps
from stockade.shapes import lambda_ as shapes


class AccountSettings:
    def __init__(self, deps: LambdaDeps, gate: ConcurrencyGate) -> None:
        self._deps = deps
        self._gate = gate

    def get_account_settings(
        self, ctx: RequestContext, request: shapes.GetAccountSettingsRequest
    ) -> shapes.GetAccountSettingsResponse:
        deps = self._deps
        account = ctx.principal.account_id
        with deps.store.read() as tx:
            code_size = tx.versions.total_code_size(account) + tx.layers.total_code_size(account)
            count = tx.functions.count(account)
            reserved = sum_reserved(tx, account)
        return {
            "AccountLimit": {
                "TotalCodeSize": limits.TOTAL_CODE_BYTES_MAX,
                "CodeSizeUnzipped": limits.UNZIPPED_BYTES_MAX,
                "CodeSizeZipped": limits.ZIPPED_BYTES_MAX,
                "ConcurrentExecutions": self._gate.account_limit,
                "UnreservedConcurrentExecutions": self._gate.account_limit - reserved,
            },
            "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": count},
        }
