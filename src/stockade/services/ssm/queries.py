"""GetParametersByPath and DescribeParameters: filtered pages in name order.

NextToken is opaque to the caller (the name to continue after, encoded); a page may hold fewer
than MaxResults and still carry a token, as AWS's may: each call examines at most
`SCAN_MAX` parameters, so that no request's work grows with the account's size.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

from stockade.domain.parameters import Parameter
from stockade.services.context import RequestContext
from stockade.services.ssm.errors import InvalidNextTokenError
from stockade.services.ssm.filters import (
    Filter,
    Predicate,
    describe_filters,
    matching,
    parameter_filters,
)
from stockade.services.ssm.names import checked_path
from stockade.services.ssm.render import Opener, metadata
from stockade.store.ports import Store
from stockade.types import AccountId

BY_PATH_DEFAULT = 10
DESCRIBE_DEFAULT = 10
SCAN_MAX = 1000
_CHUNK = 200


def page_token(after: str, kind: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": kind, "a": after}).encode()).decode()


def token_after(token: str | None, kind: str) -> str:
    if token is None:
        return ""
    try:
        found = json.loads(base64.urlsafe_b64decode(token.encode()))
        if isinstance(found, dict) and found.get("k") == kind and isinstance(found.get("a"), str):
            return str(found["a"])
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise InvalidNextTokenError("The specified token isn't valid.")


class Queries:
    def __init__(self, store: Store, region: str, opener: Opener) -> None:
        self._store = store
        self._region = region
        self._opener = opener

    def _page(
        self,
        account: AccountId,
        prefix: str,
        after: str,
        limit: int,
        keep: Predicate,
    ) -> tuple[list[Parameter], str | None]:
        """Up to `limit` kept parameters after `after`, and where to go on (None: done)."""
        found: list[Parameter] = []
        examined = 0
        while examined < SCAN_MAX:
            with self._store.read() as tx:
                chunk = tx.parameters.page(account, prefix, after, _CHUNK)
            for parameter in chunk:
                examined += 1
                after = parameter.name
                if keep(parameter):
                    found.append(parameter)
                    if len(found) == limit:
                        return found, after
            if len(chunk) < _CHUNK:
                return found, None
        return found, after

    def get_parameters_by_path(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        path = checked_path(str(request["Path"]))
        recursive = bool(request.get("Recursive", False))
        filters = parameter_filters(request.get("ParameterFilters") or (), by_path=True)
        under = Filter("Path", "Recursive" if recursive else "OneLevel", (path,))
        keep = matching((under, *filters))
        limit = int(request.get("MaxResults", BY_PATH_DEFAULT))
        after = token_after(request.get("NextToken"), "path")
        account = AccountId(ctx.principal.account_id)
        page, more = self._page(account, "" if path == "/" else path, after, limit, keep)
        decrypt = bool(request.get("WithDecryption", False))
        out: dict[str, Any] = {
            "Parameters": [self._opener.parameter(ctx, p, p.current, decrypt) for p in page]
        }
        if more is not None and self._anytoken_after(account, path, more, keep):
            out["NextToken"] = page_token(more, "path")
        return out

    def describe_parameters(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        keep = matching(describe_filters(request))
        if request.get("Shared"):  # parameters shared by other accounts: none are, here
            return {"Parameters": []}
        limit = int(request.get("MaxResults", DESCRIBE_DEFAULT))
        after = token_after(request.get("NextToken"), "describe")
        account = AccountId(ctx.principal.account_id)
        page, more = self._page(account, "", after, limit, keep)
        out: dict[str, Any] = {"Parameters": [metadata(p, p.current, self._region) for p in page]}
        if more is not None and self._anytoken_after(account, "/", more, keep):
            out["NextToken"] = page_token(more, "describe")
        return out

    def _anytoken_after(self, account: AccountId, path: str, after: str, keep: Callable[..., bool]
                   ) -> bool:  # fmt: skip
        """Whether a next page would hold anything (within one more scan's bound)."""
        found, more = self._page(account, "" if path == "/" else path, after, 1, keep)
        return bool(found) or more is not None
