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
    next_item,
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


def test_next_item_follows_aws_configs_statuses_and_skips_what_did_not_change() -> None:
    event = RelatedEvent("PutParameter", "r-1")
    when = datetime(2026, 1, 1, tzinfo=UTC)

    def after(
        previous: ConfigurationItem | None, configuration: dict[str, int] | None
    ) -> ConfigurationItem | None:
        return next_item(previous, configuration, account_id=AccountId("111122223333"),
                         region="us-east-1", resource_type="AWS::SSM::Parameter",
                         resource_id="/a", arn="arn:aws:ssm:us-east-1:111122223333:parameter/a",
                         captured_at=when, event=event)  # fmt: skip

    assert after(None, None) is None  # never recorded, and gone: nothing to say
    first = after(None, {"v": 1})
    assert first is not None
    assert (first.status, first.state_id, first.related_events) == (
        ItemStatus.DISCOVERED, 1, (event,))  # fmt: skip
    assert after(first, {"v": 1}) is None  # the same configuration: no new item
    second = after(first, {"v": 2})
    assert second is not None
    assert (second.status, second.state_id) == (ItemStatus.OK, 2)
    gone = after(second, None)
    assert gone is not None
    assert (gone.status, gone.state_id, gone.configuration_json) == (ItemStatus.DELETED, 3, "{}")
    assert after(gone, None) is None
    back = after(gone, {"v": 2})  # recreated: discovered again, numbering goes on
    assert back is not None
    assert (back.status, back.state_id, back.resource_type) == (
        ItemStatus.DISCOVERED, 4, "AWS::SSM::Parameter")  # fmt: skip
