"""What the fuzz of the declared operations found, kept as plain regressions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from stockade.types import ascii_digits
from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("fuzz") / "data") as running:
        yield running


def test_only_ascii_digits_count_as_a_number() -> None:
    assert "²".isdigit()  # why the helper exists: int("²") raises
    assert not ascii_digits("²")
    assert not ascii_digits("٣")
    assert ascii_digits("042")


def test_an_iam_marker_of_other_digits_is_invalid_input(server: InProcessServer) -> None:
    with pytest.raises(ClientError) as refused:
        server.client("iam").list_users(Marker="²")
    assert refused.value.response["Error"]["Code"] == "InvalidInput"


def test_a_queue_prefix_longer_than_any_name_lists_nothing(server: InProcessServer) -> None:
    sqs = server.client("sqs", validate=False)
    sqs.create_queue(QueueName="present")
    assert sqs.list_queues(QueueNamePrefix="p" * 70_000).get("QueueUrls", []) == []


@pytest.mark.parametrize(
    ("member", "value"),
    [("MaxItems", 2**63), ("MaxItems", -(2**31) - 1)],
)
def test_numbers_past_the_wire_types_are_malformed(
    server: InProcessServer, member: str, value: int
) -> None:
    lam = server.client("lambda", validate=False)
    with pytest.raises(ClientError) as refused:
        lam.list_functions(**{member: value})
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert refused.value.response["Error"]["Code"] == "InvalidRequestContentException"
