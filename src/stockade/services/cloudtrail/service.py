"""CloudTrail's API over Stockade's trail: event history (LookupEvents) and event selectors.

LookupEvents: an account's audit records, newest first, filtered by one attribute.

As CloudTrail's event history: at most one lookup attribute, a time range (by default the whole
retention period, ending now), pages of at most 50 events, and a NextToken that is bound to the
query it came from (reusing it with other parameters is refused). Each event carries the full
record as `CloudTrailEvent`. Only the caller's own account's events are visible.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from stockade.clock import Clock
from stockade.services.cloudtrail.errors import (
    AccessDeniedError,
    InternalFailureError,
    InvalidEventCategoryError,
    InvalidLookupAttributesError,
    InvalidMaxResultsError,
    InvalidNextTokenError,
    InvalidTimeRangeError,
    ValidationError,
)
from stockade.services.cloudtrail.event_selectors import TrailSelectors
from stockade.services.context import RequestContext
from stockade.services.declaration import READ, WRITE, Need, ServiceErrors, ServiceTable, operation
from stockade.shapes import cloudtrail as shapes
from stockade.store.audit_ports import AuditIndex, IndexedEvent, LookupQuery

MAX_RESULTS_MAX = 50
_TOKEN_INVALID = "Invalid NextToken."  # noqa: S105 - a message, not a secret

ERRORS = ServiceErrors(AccessDeniedError, ValidationError, InternalFailureError)


class CloudTrailService:
    def __init__(
        self,
        index: AuditIndex,
        selectors: TrailSelectors,
        clock: Clock,
        retention_days: int,
    ) -> None:
        self._index = index
        self._selectors = selectors
        self._clock = clock
        self._retention = timedelta(days=retention_days)

    def table(self) -> ServiceTable:
        selectors = self._selectors
        return ServiceTable.of(
            "cloudtrail",
            [
                operation("LookupEvents", self.lookup_events, _lookup_needs, READ),
                operation(
                    "PutEventSelectors",
                    selectors.put_event_selectors,
                    self._on_trail("cloudtrail:PutEventSelectors"),
                    WRITE,
                ),
                operation(
                    "GetEventSelectors",
                    selectors.get_event_selectors,
                    self._on_trail("cloudtrail:GetEventSelectors"),
                    READ,
                ),
            ],
            ERRORS,
        )

    def _on_trail(self, action: str) -> Callable[[RequestContext, Any], Sequence[Need]]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            # Every account has one trail; another name is not found after authorization.
            return [Need(action, self._selectors.trail_arn(ctx.principal.account_id))]

        return needs

    def lookup_events(
        self, ctx: RequestContext, params: shapes.LookupEventsRequest
    ) -> dict[str, Any]:
        if params.get("EventCategory") is not None:
            # Insights events are not produced here; asking for them is asking for nothing.
            raise InvalidEventCategoryError("Event category insight is not supported.")
        attribute = _attribute(params.get("LookupAttributes") or [])
        now = self._clock.now()
        start = params.get("StartTime") or now - self._retention
        end = params.get("EndTime") or now
        if start > end:
            raise InvalidTimeRangeError("Start time must be before end time.")
        limit = params.get("MaxResults", MAX_RESULTS_MAX)
        if not 1 <= limit <= MAX_RESULTS_MAX:
            raise InvalidMaxResultsError(f"MaxResults must be between 1 and {MAX_RESULTS_MAX}.")
        fingerprint = _fingerprint(attribute, params.get("StartTime"), params.get("EndTime"))
        after = _decode(params.get("NextToken"), fingerprint)
        self._index.flush()  # an event answered before this call is found by it
        events, more = self._index.lookup(
            LookupQuery(
                account_id=ctx.principal.account_id,
                attribute=attribute,
                start_ms=_ms(start),
                end_ms=_ms(end),
                after=after,
                limit=limit,
            )
        )
        found: dict[str, Any] = {"Events": [_event(event) for event in events]}
        if more is not None:
            found["NextToken"] = _encode(more, fingerprint)
        return found


def _lookup_needs(ctx: RequestContext, request: shapes.LookupEventsRequest) -> Sequence[Need]:
    return [Need("cloudtrail:LookupEvents", "*")]


def _attribute(attributes: Sequence[shapes.LookupAttribute]) -> tuple[str, str] | None:
    if len(attributes) > 1:
        raise InvalidLookupAttributesError("You can specify only one lookup attribute.")
    if not attributes:
        return None
    key, value = attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]
    if key == "ReadOnly" and value.lower() not in ("true", "false"):
        raise InvalidLookupAttributesError("The ReadOnly lookup attribute must be true or false.")
    return key, value


def _event(event: IndexedEvent) -> dict[str, Any]:
    found: dict[str, Any] = {
        "EventId": event.event_id,
        "EventName": event.event_name,
        "ReadOnly": "true" if event.read_only else "false",
        "EventTime": datetime.fromtimestamp(event.event_time_ms / 1000, UTC),
        "EventSource": event.event_source,
        "Resources": [
            {"ResourceType": kind, "ResourceName": name} for kind, name in event.resources
        ],
        "CloudTrailEvent": event.record,
    }
    if event.access_key_id:
        found["AccessKeyId"] = event.access_key_id
    if event.username:
        found["Username"] = event.username
    return found


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _fingerprint(
    attribute: tuple[str, str] | None, start: datetime | None, end: datetime | None
) -> str:
    """What a token is bound to: the parameters as given (an omitted bound means "relative to
    now", which moves between pages; the token's position keeps later pages consistent)."""
    bounds = [None if moment is None else _ms(moment) for moment in (start, end)]
    text = json.dumps([attribute, *bounds], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _encode(position: tuple[int, int], fingerprint: str) -> str:
    text = json.dumps([fingerprint, *position], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str | None, fingerprint: str) -> tuple[int, int] | None:
    if token is None:
        return None
    try:
        parts = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, RecursionError, binascii.Error) as exc:
        raise InvalidNextTokenError(_TOKEN_INVALID) from exc
    if (
        not isinstance(parts, list) or len(parts) != 3 or parts[0] != fingerprint
        or not all(type(p) is int and 0 <= p < 2**62 for p in parts[1:])
    ):  # fmt: skip
        raise InvalidNextTokenError(_TOKEN_INVALID)
    return parts[1], parts[2]
