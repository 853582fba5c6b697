"""Reading events: GetLogEvents (one stream) and FilterLogEvents (a group, across streams).

GetLogEvents pages like CloudWatch Logs: without a token it reads from the oldest event
(`startFromHead`) or back from the newest (the default); every page is in ascending time order
and carries a forward and a backward token; at either end the token passed in comes back
unchanged, which is how clients know to stop. FilterLogEvents returns a `nextToken` only while
more events match. Both answer at most `limit` events and about 1 MB of them.

Bounds: GetLogEvents' `endTime` is exclusive, FilterLogEvents' inclusive, as documented.
"""

from __future__ import annotations

from stockade.services.context import RequestContext
from stockade.services.logs.deps import RESPONSE_BYTES_MAX, LogsDeps
from stockade.services.logs.errors import (
    GROUP_NOT_FOUND,
    STREAM_NOT_FOUND,
    InvalidParameterError,
    ResourceNotFoundError,
)
from stockade.services.logs.patterns import parse_filter_pattern
from stockade.services.logs.resources import check_reachable, named_group
from stockade.services.logs.tokens import decode_event_token, event_token
from stockade.shapes import logs as shapes
from stockade.store.log_ports import (
    EventQuery,
    LogGroupNotFoundError,
    LogStreamNotFoundError,
    Position,
)

_LIMIT_DEFAULT = 10_000
_TIME_MAX = 2**62  # far beyond any real timestamp, and within SQLite's 64-bit integers


def _time(value: int | None) -> int | None:
    return None if value is None else min(int(value), _TIME_MAX)


class LogEvents:
    def __init__(self, deps: LogsDeps) -> None:
        self._deps = deps

    def get_log_events(
        self, ctx: RequestContext, request: shapes.GetLogEventsRequest
    ) -> shapes.GetLogEventsResponse:
        deps = self._deps
        group = named_group(ctx, deps.region, request)
        stream = request["logStreamName"]
        check_reachable(ctx, deps.region, group)
        token = request.get("nextToken")
        start_ms, end_ms = _time(request.get("startTime")), _time(request.get("endTime"))
        if token is not None:
            forward, position = decode_event_token(token)
        else:
            forward = request.get("startFromHead", False)
            position = None
        try:
            deps.store.get_stream(group.account_id, group.name, stream)
            page = deps.store.read_events(
                group.account_id,
                group.name,
                EventQuery(start_ms=start_ms, end_ms=end_ms, stream_names=(stream,)),
                after=position,
                forward=forward,
                limit=request.get("limit", _LIMIT_DEFAULT),
                max_bytes=RESPONSE_BYTES_MAX,
            )
        except LogGroupNotFoundError as exc:
            raise ResourceNotFoundError(GROUP_NOT_FOUND) from exc
        except LogStreamNotFoundError as exc:
            raise ResourceNotFoundError(STREAM_NOT_FOUND) from exc
        events = page.events if forward else page.events[::-1]
        if events:
            first, last = events[0].position, events[-1].position
        elif position is not None:
            first = last = position  # nothing further that way: the same token comes back
        else:
            first = Position(end_ms if end_ms is not None else _TIME_MAX, 0)
            last = Position(start_ms or 0, 0)
        return {
            "events": [
                {"timestamp": e.timestamp_ms, "message": e.message, "ingestionTime": e.ingestion_ms}
                for e in events
            ],
            "nextForwardToken": event_token(True, last),
            "nextBackwardToken": event_token(False, first),
        }

    def filter_log_events(
        self, ctx: RequestContext, request: shapes.FilterLogEventsRequest
    ) -> shapes.FilterLogEventsResponse:
        deps = self._deps
        group = named_group(ctx, deps.region, request)
        check_reachable(ctx, deps.region, group)
        names = request.get("logStreamNames")
        prefix = request.get("logStreamNamePrefix")
        if names is not None and prefix is not None:
            raise InvalidParameterError(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters."
            )
        end_ms = _time(request.get("endTime"))
        query = EventQuery(
            start_ms=_time(request.get("startTime")),
            end_ms=None if end_ms is None else end_ms + 1,
            stream_names=None if names is None else tuple(names),
            stream_prefix=prefix,
            terms=parse_filter_pattern(request.get("filterPattern")),
        )
        token = request.get("nextToken")
        if token is not None:
            forward, position = decode_event_token(token)
        else:
            forward, position = request.get("startFromHead", True), None
        try:
            page = deps.store.read_events(
                group.account_id,
                group.name,
                query,
                after=position,
                forward=forward,
                limit=request.get("limit", _LIMIT_DEFAULT),
                max_bytes=RESPONSE_BYTES_MAX,
            )
        except LogGroupNotFoundError as exc:
            raise ResourceNotFoundError(GROUP_NOT_FOUND) from exc
        events: list[shapes.FilteredLogEvent] = [
            {
                "logStreamName": e.log_stream,
                "timestamp": e.timestamp_ms,
                "message": e.message,
                "ingestionTime": e.ingestion_ms,
                "eventId": str(e.event_id),
            }
            for e in page.events
        ]
        if page.more:
            return {"events": events, "nextToken": event_token(forward, page.events[-1].position)}
        return {"events": events}
