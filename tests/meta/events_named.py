"""What the access meta-test draws for EventBridge requests: mostly the bus and rule it made
(so an administrator's request reaches the handler), sometimes names that do not exist."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.support.inprocess import InProcessServer

EVENTS_MADE = {"events_bus": "kernel-bus", "events_rule": "kernel-rule"}
_NAME = st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True)


def _either(existing: str, drawn: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.integers(0, 3).flatmap(lambda i: drawn if i == 0 else st.just(existing))


def make_events_resources(server: InProcessServer) -> None:
    events = server.client("events")
    events.create_event_bus(Name=EVENTS_MADE["events_bus"])
    events.put_rule(Name=EVENTS_MADE["events_rule"], EventPattern='{"source": ["kernel"]}')


def events_named(region: str, account: str, made: dict[str, str]) -> dict[str, Any]:
    bus, rule = made["events_bus"], made["events_rule"]
    prefix = f"arn:aws:events:{region}:{account}"
    return {
        "EventBusName": st.sampled_from(["default", bus]),
        "Name": _either(rule, _NAME),
        "Rule": _either(rule, _NAME),
        "ResourceARN": st.sampled_from(
            [f"{prefix}:event-bus/{bus}", f"{prefix}:rule/{rule}", f"{prefix}:rule/{bus}/x"]
        ),
        "TargetArn": st.just(f"arn:aws:sqs:{region}:{account}:kernel-queue"),
        # PutEvents with EndpointId needs SigV4a (botocore[crt]) on the client: never drawn.
        "EndpointId": st.nothing(),
    }
