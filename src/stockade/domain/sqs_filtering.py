"""How a Lambda event source mapping's `FilterCriteria` sees a queue record.

Lambda matches each filter's pattern against the record it would send (messageId, body,
attributes, messageAttributes, ...), with the body read as JSON when it holds a JSON object
(Lambda guide, with-sqs-filtering: "use the body key"; invocation-eventfiltering), so a pattern
can reach into it, and as the plain string otherwise. A record is kept when any filter
matches; with no filters, every record is kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from stockade.domain.event_pattern import EventPattern

MAX_FILTER_PATTERN = 4096  # botocore's lambda Pattern shape


def filter_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as filters see it: a body holding a JSON object is decoded."""
    view = dict(record)
    body = view.get("body")
    if isinstance(body, str) and body.lstrip().startswith("{"):
        try:
            decoded = json.loads(body)
        except (ValueError, RecursionError):
            return view
        if isinstance(decoded, dict):
            view["body"] = decoded
    return view


def keeps(filters: Sequence[EventPattern], record: Mapping[str, Any]) -> bool:
    if not filters:
        return True
    view = filter_view(record)
    return any(pattern.matches(view) for pattern in filters)
