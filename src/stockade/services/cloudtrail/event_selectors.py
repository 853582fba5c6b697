"""Put/GetEventSelectors on the trail every account has (named `stockade`): how an account
turns on data events (Lambda invocations) for all or some of its functions. The kernel asks
`records` for every data event; answers come from memory."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from stockade.audit.selectors import (
    DEFAULT_SELECTORS,
    DataEventSelection,
    SelectorError,
)
from stockade.services.cloudtrail.errors import InvalidEventSelectorsError, TrailNotFoundError
from stockade.services.context import RequestContext
from stockade.shapes import cloudtrail as shapes
from stockade.store.audit_ports import EventSelectorStore
from stockade.types import Region

TRAIL_NAME = "stockade"


class TrailSelectors:
    def __init__(self, store: EventSelectorStore, region: Region) -> None:
        self._store = store
        self._region = region
        self._parsed: dict[str, DataEventSelection] = {}
        self._lock = threading.Lock()

    def trail_arn(self, account_id: str) -> str:
        return f"arn:aws:cloudtrail:{self._region}:{account_id}:trail/{TRAIL_NAME}"

    def records(self, account_id: str, service: str, resources: Sequence[str]) -> bool:
        """Whether the account records data events on these resources (the kernel asks)."""
        return service == "lambda" and any(
            self.records_invocation(account_id, arn) for arn in resources
        )

    def records_invocation(self, account_id: str, function_arn: str) -> bool:
        selection = self._parsed.get(account_id)
        if selection is None:
            stored = self._store.get(account_id)
            selection = DataEventSelection() if stored is None else DataEventSelection.parse(stored)
            self._parsed[account_id] = selection
        return selection.records_invocation_of(function_arn)

    def put_event_selectors(
        self, ctx: RequestContext, params: shapes.PutEventSelectorsRequest
    ) -> dict[str, Any]:
        arn = self._trail(ctx, params["TrailName"])
        if params.get("AdvancedEventSelectors"):
            raise InvalidEventSelectorsError("Advanced event selectors are not supported.")
        selectors = params.get("EventSelectors")
        if not selectors:
            raise InvalidEventSelectorsError("Specify EventSelectors.")
        try:
            selection = DataEventSelection.parse(selectors)
        except SelectorError as error:
            raise InvalidEventSelectorsError(str(error)) from error
        account = ctx.principal.account_id
        with self._lock:  # the stored and the parsed selectors change together
            self._store.put(account, [dict(s) for s in selectors])
            self._parsed[account] = selection
        return {"TrailARN": arn, "EventSelectors": selectors}

    def get_event_selectors(
        self, ctx: RequestContext, params: shapes.GetEventSelectorsRequest
    ) -> dict[str, Any]:
        arn = self._trail(ctx, params["TrailName"])
        stored = self._store.get(ctx.principal.account_id)
        return {"TrailARN": arn, "EventSelectors": stored or [dict(s) for s in DEFAULT_SELECTORS]}

    def _trail(self, ctx: RequestContext, name: str) -> str:
        arn = self.trail_arn(ctx.principal.account_id)
        if name not in (TRAIL_NAME, arn):
            raise TrailNotFoundError(
                f"Unknown trail: {name} for the user: {ctx.principal.account_id}"
            )
        return arn
