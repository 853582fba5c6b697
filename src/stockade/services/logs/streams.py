"""Log streams: DescribeLogStreams (one stream per execution environment of a function)."""

from __future__ import annotations

from stockade.services.context import RequestContext
from stockade.services.logs.deps import LogsDeps
from stockade.services.logs.errors import GROUP_NOT_FOUND, InvalidParameterError
from stockade.services.logs.errors import ResourceNotFoundError as _NotFound
from stockade.services.logs.resources import GroupRef, check_reachable, named_group
from stockade.services.logs.tokens import decode_stream_token, stream_token
from stockade.shapes import logs as shapes
from stockade.store.log_ports import LogGroupNotFoundError, LogStreamInfo, StreamKey, StreamOrder

_PAGE_DEFAULT = 50


class LogStreams:
    def __init__(self, deps: LogsDeps) -> None:
        self._deps = deps

    def describe_log_streams(
        self, ctx: RequestContext, request: shapes.DescribeLogStreamsRequest
    ) -> shapes.DescribeLogStreamsResponse:
        deps = self._deps
        group = named_group(ctx, deps.region, request)
        check_reachable(ctx, deps.region, group)
        order = StreamOrder(request.get("orderBy", StreamOrder.NAME.value))
        prefix = request.get("logStreamNamePrefix")
        if order is StreamOrder.LAST_EVENT_TIME and prefix is not None:
            raise InvalidParameterError("Cannot order by LastEventTime with a logStreamNamePrefix.")
        limit = request.get("limit", _PAGE_DEFAULT)
        try:
            found = deps.store.list_streams(
                group.account_id,
                group.name,
                prefix=prefix or "",
                order=order,
                descending=request.get("descending", False),
                after=decode_stream_token(request.get("nextToken")),
                limit=limit + 1,
            )
        except LogGroupNotFoundError as exc:
            raise _NotFound(GROUP_NOT_FOUND) from exc
        page = found[:limit]
        streams = [_present(group, s) for s in page]
        if len(found) > limit:
            last = page[-1]
            token = stream_token(StreamKey(last.last_event_ms, last.name))
            return {"logStreams": streams, "nextToken": token}
        return {"logStreams": streams}


def _present(group: GroupRef, stream: LogStreamInfo) -> shapes.LogStream:
    # storedBytes is left out: CloudWatch Logs reports it as 0 for streams since 2019.
    return {
        "logStreamName": stream.name,
        "creationTime": stream.created_ms,
        "firstEventTimestamp": stream.first_event_ms,
        "lastEventTimestamp": stream.last_event_ms,
        "lastIngestionTime": stream.last_ingestion_ms,
        "arn": group.stream_arn(stream.name),
    }
