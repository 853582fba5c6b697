"""What a deployed function did, as the audit trail saw it: calls of one operation made under
its execution role, counted through CloudTrail's LookupEvents (each read-only call is a
record), once the lookup index has caught up with the journal (bounded wait)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from tests.support.server import RunningServer

_MAX_LOOKUP_PAGES = 50
_INDEX_WAIT_S = 5.0


def invoke(server: RunningServer, function: str, event: dict[str, Any]) -> Any:
    """The function's answer to `event` (a function error fails the test)."""
    reply = server.client("lambda").invoke(FunctionName=function, Payload=json.dumps(event))
    assert "FunctionError" not in reply, reply["Payload"].read()
    return json.loads(reply["Payload"].read())


def calls_by_role(
    server: RunningServer,
    role: str,
    event_name: str,
    about: Callable[[dict[str, Any]], bool],
    expected: int,
) -> int:
    """Records of `event_name` made under `role` whose requestParameters satisfy `about`, once
    there are `expected` of them or the wait is over."""
    deadline = time.monotonic() + _INDEX_WAIT_S
    while True:
        count = _count(server, role, event_name, about)
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


def _count(
    server: RunningServer, role: str, event_name: str, about: Callable[[dict[str, Any]], bool]
) -> int:
    paginator = server.client("cloudtrail").get_paginator("lookup_events")
    pages = paginator.paginate(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}],
        PaginationConfig={"MaxItems": 50 * _MAX_LOOKUP_PAGES, "PageSize": 50},
    )
    count = 0
    for page in pages:
        for event in page["Events"]:
            record = json.loads(event["CloudTrailEvent"])
            issuer = record["userIdentity"].get("sessionContext", {}).get("sessionIssuer", {})
            if issuer.get("arn") == role and about(record["requestParameters"]):
                count += 1
    return count
