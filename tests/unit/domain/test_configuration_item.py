"""Configuration items: what changed between two, the fingerprint, AWS Config's field names."""

from __future__ import annotations

from datetime import UTC, datetime

from stockade.domain.configuration_item import (
    Change,
    ConfigurationItem,
    ItemStatus,
    RelatedEvent,
    canonical,
    changes,
)
from stockade.types import AccountId


def test_changes_are_leaves_in_path_order() -> None:
    before = {"memorySize": 128, "tags": {}, "layers": ["a"], "environment": {"names": []}}
    after = {"memorySize": 256, "tags": {"team": "x"}, "layers": ["a", "b"],
             "environment": {"names": []}}  # fmt: skip
    assert changes(before, after) == [
        Change("layers", ["a"], ["a", "b"]),
        Change("memorySize", 128, 256),
        Change("tags.team", None, "x"),
    ]
    assert changes(after, after) == []
    assert changes({}, {"runtime": "python3.14"}) == [Change("runtime", None, "python3.14")]


def test_an_item_reads_as_aws_config_writes_it() -> None:
    configuration = {"runtime": "python3.14", "memorySize": 128}
    item = ConfigurationItem(
        AccountId("111122223333"), "us-east-1", "f",
        "arn:aws:lambda:us-east-1:111122223333:function:f", 2,
        datetime(2026, 11, 23, tzinfo=UTC), ItemStatus.OK, canonical(configuration),
        (RelatedEvent("UpdateFunctionConfiguration", "req-1"),),
    )  # fmt: skip
    shown = item.as_aws()
    assert shown["configurationItemStatus"] == "OK"
    assert shown["configurationStateId"] == "2"
    assert shown["resourceType"] == "AWS::Lambda::Function"
    assert shown["configuration"] == configuration
    assert shown["relatedEvents"] == [
        {"eventName": "UpdateFunctionConfiguration", "requestID": "req-1"}
    ]
    # The fingerprint follows the configuration, not its key order.
    same = canonical({"memorySize": 128, "runtime": "python3.14"})
    assert (
        shown["configurationItemMD5Hash"]
        == ConfigurationItem(
            item.account_id, item.region, "f", item.arn, 3, item.captured_at, ItemStatus.OK, same
        ).md5
    )
