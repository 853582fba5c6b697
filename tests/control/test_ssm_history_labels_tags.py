"""GetParameterHistory, LabelParameterVersion / UnlabelParameterVersion and the tag operations
(ResourceType Parameter) through boto3's `ssm` client, and the configuration history every
change leaves (AWS::SSM::Parameter items, never a value).

Label rules from "Working with parameter labels" (Systems Manager user guide): 10 labels per
version, a label moves between versions, invalid labels are answered in InvalidLabels.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.types import AccountId
from tests.control.ssm_support import error_of, fresh
from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("ssm-history") / "data") as running:
        yield running


@pytest.fixture
def ssm(server: InProcessServer) -> Any:
    return server.client("ssm")


def versions(ssm: Any, name: str, count: int) -> None:
    ssm.put_parameter(Name=name, Value="v1", Type="String", Description="d1")
    for i in range(2, count + 1):
        ssm.put_parameter(Name=name, Value=f"v{i}", Overwrite=True)


def test_history_lists_every_version_oldest_first_in_pages(ssm: Any) -> None:
    name = fresh() + "/h"
    versions(ssm, name, 5)
    first = ssm.get_parameter_history(Name=name, MaxResults=2)
    second = ssm.get_parameter_history(Name=name, MaxResults=2, NextToken=first["NextToken"])
    third = ssm.get_parameter_history(Name=name, MaxResults=2, NextToken=second["NextToken"])
    seen = [p["Value"] for p in first["Parameters"] + second["Parameters"] + third["Parameters"]]
    assert seen == ["v1", "v2", "v3", "v4", "v5"]
    assert "NextToken" not in third
    entry = first["Parameters"][0]
    assert (entry["Version"], entry["Description"], entry["Labels"], entry["Tier"]) == (
        1, "d1", [], "Standard",
    )  # fmt: skip
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter_history(Name="/no/such")
    assert error_of(caught) == ("ParameterNotFound", "Parameter /no/such not found.")


def test_history_shows_secure_strings_encrypted_unless_asked(ssm: Any) -> None:
    name = fresh() + "/hs"
    ssm.put_parameter(Name=name, Value="history-secret", Type="SecureString")
    plain = ssm.get_parameter_history(Name=name)["Parameters"][0]
    assert plain["Value"] != "history-secret"
    assert plain["KeyId"] == "alias/aws/ssm"
    opened = ssm.get_parameter_history(Name=name, WithDecryption=True)["Parameters"][0]
    assert opened["Value"] == "history-secret"


def test_labels_attach_move_and_answer_invalid_ones(ssm: Any) -> None:
    name = fresh() + "/l"
    versions(ssm, name, 3)
    answer = ssm.label_parameter_version(
        Name=name, ParameterVersion=1, Labels=["prod", "1st", "aws-x", "ssmy", "ok.-_"]
    )
    assert (answer["ParameterVersion"], sorted(answer["InvalidLabels"])) == (
        1, ["1st", "aws-x", "ssmy"],
    )  # fmt: skip
    assert ssm.get_parameter(Name=f"{name}:prod")["Parameter"]["Version"] == 1
    # Without a version: the latest; the label moves there.
    assert ssm.label_parameter_version(Name=name, Labels=["prod"])["ParameterVersion"] == 3
    history = ssm.get_parameter_history(Name=name)["Parameters"]
    assert [p["Labels"] for p in history] == [["ok.-_"], [], ["prod"]]


def test_a_version_holds_at_most_ten_labels(ssm: Any) -> None:
    name = fresh() + "/ten"
    versions(ssm, name, 1)
    ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=[f"l{i}" for i in range(10)])
    with pytest.raises(ClientError) as caught:
        ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["eleventh"])
    code, message = error_of(caught)
    assert code == "ParameterVersionLabelLimitExceeded"
    assert "A parameter version can have maximum 10 labels." in message


def test_labelling_what_is_not_there(ssm: Any) -> None:
    name = fresh() + "/missing"
    with pytest.raises(ClientError) as caught:
        ssm.label_parameter_version(Name=name, Labels=["x"])
    assert error_of(caught) == ("ParameterNotFound", f"Parameter {name} not found.")
    versions(ssm, name, 1)
    with pytest.raises(ClientError) as caught:
        ssm.label_parameter_version(Name=name, ParameterVersion=5, Labels=["x"])
    assert error_of(caught) == (
        "ParameterVersionNotFound",
        f"Systems Manager could not find version 5 of {name}. Verify the version and try again.",
    )


def test_unlabel_removes_what_is_there_and_names_the_rest(ssm: Any) -> None:
    name = fresh() + "/u"
    versions(ssm, name, 2)
    ssm.label_parameter_version(Name=name, ParameterVersion=2, Labels=["a", "b"])
    answer = ssm.unlabel_parameter_version(Name=name, ParameterVersion=2, Labels=["a", "zz"])
    assert (answer["RemovedLabels"], answer["InvalidLabels"]) == (["a"], ["zz"])
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=f"{name}:a")
    assert error_of(caught)[0] == "ParameterNotFound"
    assert ssm.get_parameter(Name=f"{name}:b")["Parameter"]["Version"] == 2
    with pytest.raises(ClientError) as caught:
        ssm.unlabel_parameter_version(Name=name, ParameterVersion=9, Labels=["b"])
    assert error_of(caught)[0] == "ParameterVersionNotFound"


def test_tags_are_added_listed_and_removed(ssm: Any) -> None:
    name = fresh() + "/tags"
    ssm.put_parameter(Name=name, Value="x", Type="String", Tags=[{"Key": "a", "Value": "1"}])
    ssm.add_tags_to_resource(
        ResourceType="Parameter", ResourceId=name,
        Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}],
    )  # fmt: skip
    listed = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert listed == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId=name, TagKeys=["a", "zz"])
    listed = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert listed == [{"Key": "b", "Value": "2"}]


def test_tagging_what_does_not_exist(ssm: Any) -> None:
    for kind, resource in (("Parameter", "/no/such/thing"), ("Document", "my-doc")):
        with pytest.raises(ClientError) as caught:
            ssm.list_tags_for_resource(ResourceType=kind, ResourceId=resource)
        assert error_of(caught) == ("InvalidResourceId", "Invalid Resource Id")


def test_a_parameter_holds_at_most_fifty_tags(ssm: Any) -> None:
    name = fresh() + "/fifty"
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    ssm.put_parameter(Name=name, Value="x", Type="String", Tags=tags)
    with pytest.raises(ClientError) as caught:
        ssm.add_tags_to_resource(
            ResourceType="Parameter", ResourceId=name, Tags=[{"Key": "one-more", "Value": "v"}]
        )
    assert error_of(caught)[0] == "TooManyTagsError"


def _history(server: InProcessServer, name: str) -> list[dict[str, Any]]:
    assert server.built is not None
    with server.built.store.read() as tx:
        items = tx.configuration_items.history(
            AccountId(server.account_id), name, "AWS::SSM::Parameter"
        )
    return [{"status": i.status.value, "state": i.state_id, **i.configuration} for i in items]


def test_every_change_is_a_configuration_item_without_the_value(
    server: InProcessServer, ssm: Any
) -> None:
    name = fresh() + "/cfg"
    ssm.put_parameter(Name=name, Value="config-item-canary", Type="SecureString")
    ssm.put_parameter(Name=name, Value="config-item-canary-2", Overwrite=True)
    ssm.add_tags_to_resource(
        ResourceType="Parameter", ResourceId=name, Tags=[{"Key": "t", "Value": "1"}]
    )
    ssm.delete_parameter(Name=name)
    items = _history(server, name)
    assert [(i["status"], i["state"]) for i in items] == [
        ("ResourceDiscovered", 1), ("OK", 2), ("OK", 3), ("ResourceDeleted", 4),
    ]  # fmt: skip
    assert (items[1]["Version"], items[2]["Tags"]) == (2, {"t": "1"})
    assert "config-item-canary" not in json.dumps(items)
