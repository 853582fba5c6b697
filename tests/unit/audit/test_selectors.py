"""Event selectors: which function invocations an account records as data events."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.audit.selectors import DataEventSelection, SelectorError
from stockade.store.event_selectors import FileEventSelectorStore

FN = "arn:aws:lambda:us-east-1:111122223333:function:pay"


def selecting(*values: str, read_write: str = "All") -> list[dict[str, object]]:
    data = [{"Type": "AWS::Lambda::Function", "Values": list(values)}]
    return [{"ReadWriteType": read_write, "IncludeManagementEvents": True, "DataResources": data}]


def test_nothing_is_selected_by_default() -> None:
    assert not DataEventSelection().records_invocation_of(FN)


def test_all_functions_or_named_ones_with_any_qualifier() -> None:
    assert DataEventSelection.parse(selecting("arn:aws:lambda")).records_invocation_of(FN)
    named = DataEventSelection.parse(selecting(FN))
    assert named.records_invocation_of(FN)
    assert named.records_invocation_of(FN + ":live")
    assert not named.records_invocation_of(FN + "roll")
    qualified = DataEventSelection.parse(selecting(FN + ":live"))
    assert qualified.records_invocation_of(FN + ":live")
    assert not qualified.records_invocation_of(FN + ":1")


def test_read_only_selectors_record_no_invocations() -> None:
    selection = DataEventSelection.parse(selecting("arn:aws:lambda", read_write="ReadOnly"))
    assert not selection.records_invocation_of(FN)


@pytest.mark.parametrize(
    "selectors",
    [
        [],
        selecting("arn:aws:s3"),
        [{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}],
        [{"IncludeManagementEvents": False}],
        [{"ExcludeManagementEventSources": ["kms.amazonaws.com"]}],
        [{}] * 6,
    ],
    ids=["none", "bad-value", "other-type", "no-management", "excluded-source", "too-many"],
)
def test_selectors_that_cannot_be_applied_are_refused(selectors: list[dict[str, object]]) -> None:
    with pytest.raises(SelectorError):
        DataEventSelection.parse(selectors)


def test_stored_selectors_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "event-selectors.json"
    FileEventSelectorStore(path).put("111122223333", selecting(FN))
    reopened = FileEventSelectorStore(path)
    assert reopened.get("111122223333") == selecting(FN)
    assert reopened.get("999988887777") is None
    assert path.stat().st_mode & 0o777 == 0o600
