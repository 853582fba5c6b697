"""The Lambda control plane through boto3, against a real server."""

from __future__ import annotations

import base64
import hashlib
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import PYTHON_ECHO, make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def role(server: RunningServer) -> str:
    return f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"


def unique(prefix: str = "fn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create(lam: Any, server: RunningServer, name: str, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": "python3.11",
        "Role": role(server),
        "Handler": "app.handler",
        "Code": {"ZipFile": PYTHON_ECHO},
    }
    params.update(extra)
    result: dict[str, Any] = lam.create_function(**params)
    return result


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_create_and_get_function(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = unique()
    created = create(lam, server, name, Environment={"Variables": {"GREETING": "hi"}},
                     MemorySize=256, Timeout=10, Description="demo")  # fmt: skip
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionName"] == name
    assert created["FunctionArn"] == (
        f"arn:aws:lambda:{server.region}:{server.account_id}:function:{name}"
    )
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(PYTHON_ECHO).digest()).decode()
    assert created["CodeSize"] == len(PYTHON_ECHO)
    assert created["Version"] == "$LATEST"
    # Lambda answers a create with the function pending; the next read shows it Active with
    # a new RevisionId (recorded AWS responses).
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    assert "LastUpdateStatus" not in created
    assert created["Environment"]["Variables"] == {"GREETING": "hi"}
    assert (created["MemorySize"], created["Timeout"]) == (256, 10)

    fetched = lam.get_function(FunctionName=name)
    assert fetched["Configuration"]["State"] == "Active"
    assert fetched["Configuration"]["LastUpdateStatus"] == "Successful"
    assert fetched["Configuration"]["RevisionId"] != created["RevisionId"]
    assert fetched["Code"]["RepositoryType"] == "S3"
    location = fetched["Code"]["Location"]
    with urllib.request.urlopen(location, timeout=10, context=server.ssl_context()) as reply:
        assert reply.read() == PYTHON_ECHO
    config = lam.get_function_configuration(FunctionName=name)
    assert config["FunctionArn"] == created["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)


def test_code_location_link_is_signed(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = unique()
    create(lam, server, name)
    location = lam.get_function(FunctionName=name)["Code"]["Location"]
    forged = location[:-3] + ("AAA" if not location.endswith("AAA") else "BBB")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(forged, timeout=10, context=server.ssl_context())
    assert exc.value.code == 403


def test_function_names_and_arns_are_interchangeable(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = unique()
    arn = create(lam, server, name)["FunctionArn"]
    partial = f"{server.account_id}:function:{name}"
    for ref in (name, arn, partial):
        assert lam.get_function_configuration(FunctionName=ref)["FunctionName"] == name


def test_duplicate_create_conflicts(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = unique()
    create(lam, server, name)
    with pytest.raises(ClientError) as exc:
        create(lam, server, name)
    assert error_code(exc) == "ResourceConflictException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_missing_function_is_not_found(server: RunningServer) -> None:
    lam = server.client("lambda")
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName="does-not-exist")
    assert error_code(exc) == "ResourceNotFoundException"
    assert "Function not found: arn:aws:lambda:" in exc.value.response["Error"]["Message"]


def test_update_code_and_configuration_with_revision_ids(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = unique()
    create(lam, server, name)
    first = lam.get_function_configuration(FunctionName=name)
    new_zip = make_zip({"app.py": "def handler(e, c):\n    return 2\n"})
    updated = lam.update_function_code(FunctionName=name, ZipFile=new_zip,
                                       RevisionId=first["RevisionId"])  # fmt: skip
    assert updated["CodeSize"] == len(new_zip)
    assert updated["RevisionId"] != first["RevisionId"]
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(FunctionName=name, MemorySize=512,
                                          RevisionId=first["RevisionId"])  # fmt: skip
    assert error_code(exc) == "PreconditionFailedException"
    current = lam.get_function_configuration(FunctionName=name)["RevisionId"]
    config = lam.update_function_configuration(
        FunctionName=name,
        MemorySize=512,
        Environment={"Variables": {"MODE": "1"}},
        RevisionId=current,
    )
    assert config["MemorySize"] == 512
    assert config["CodeSize"] == len(new_zip)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)


def test_list_functions_paginates(server: RunningServer) -> None:
    lam = server.client("lambda")
    prefix = unique("page")
    names = {f"{prefix}-{i:02d}" for i in range(7)}
    for name in names:
        create(lam, server, name)
    seen: list[str] = []
    pages = 0
    for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 3}):
        pages += 1
        seen.extend(f["FunctionName"] for f in page["Functions"])
    assert names <= set(seen)
    assert len(seen) == len(set(seen))
    assert pages >= 3


def test_publish_versions_and_aliases_with_routing(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = unique()
    created = create(lam, server, name)
    v1 = lam.publish_version(FunctionName=name, CodeSha256=created["CodeSha256"])
    assert v1["Version"] == "1"
    assert v1["FunctionArn"].endswith(f":{name}:1")
    again = lam.publish_version(FunctionName=name)
    assert again["Version"] == "1", "unchanged $LATEST republishes nothing"
    lam.update_function_configuration(FunctionName=name, Timeout=30)
    v2 = lam.publish_version(FunctionName=name, Description="second")
    assert (v2["Version"], v2["Timeout"], v2["Description"]) == ("2", 30, "second")
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "1", "2"]
    with pytest.raises(ClientError) as exc:
        lam.publish_version(FunctionName=name, CodeSha256="AAAA")
    assert error_code(exc) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as exc:  # capacity providers' publishing: not provided
        lam.publish_version(FunctionName=name, PublishTo="LATEST_PUBLISHED")
    assert error_code(exc) == "InvalidParameterValueException"
    assert "PublishTo is not supported by Stockade" in exc.value.response["Error"]["Message"]

    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})  # fmt: skip
    assert alias["AliasArn"].endswith(f":{name}:live")
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.1}
    got = lam.get_alias(FunctionName=name, Name="live")
    assert got["RevisionId"] == alias["RevisionId"]
    moved = lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2",
                             RoutingConfig={"AdditionalVersionWeights": {}},
                             RevisionId=alias["RevisionId"])  # fmt: skip
    assert moved["FunctionVersion"] == "2"
    assert "RoutingConfig" not in moved or not moved["RoutingConfig"].get(
        "AdditionalVersionWeights"
    )
    with pytest.raises(ClientError) as exc:
        lam.update_alias(FunctionName=name, Name="live", RevisionId=alias["RevisionId"])
    assert error_code(exc) == "PreconditionFailedException"
    via_alias = lam.get_function_configuration(FunctionName=name, Qualifier="live")
    assert via_alias["Version"] == "2"
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["live"]
    with pytest.raises(ClientError) as exc:
        lam.delete_function(FunctionName=name, Qualifier="2")
    assert error_code(exc) == "ResourceConflictException"
    lam.delete_alias(FunctionName=name, Name="live")
    lam.delete_function(FunctionName=name, Qualifier="1")
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "2"]
    unchanged = lam.publish_version(FunctionName=name, Description="third")
    assert unchanged["Version"] == "2", "nothing changed since version 2: Lambda returns it"
    lam.update_function_configuration(FunctionName=name, Timeout=7)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    v3 = lam.publish_version(FunctionName=name, Description="third")
    assert v3["Version"] == "3", "version numbers are never reused"


def test_alias_validation(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = unique()
    create(lam, server, name, Publish=True)
    with pytest.raises(ClientError) as exc:
        lam.create_alias(FunctionName=name, Name="a", FunctionVersion="9")
    assert error_code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        lam.create_alias(FunctionName=name, Name="b", FunctionVersion="$LATEST",
                         RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})  # fmt: skip
    assert error_code(exc) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as exc:
        lam.create_alias(FunctionName=name, Name="123", FunctionVersion="1")
    assert error_code(exc) == "ValidationException"


def test_delete_function_removes_everything(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = unique()
    create(lam, server, name, Publish=True)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    deleted = lam.delete_function(FunctionName=name)
    # AWS answers 204 through the model's StatusCode member (recorded; docs/conformance.md).
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert deleted["StatusCode"] == 204
    calls: tuple[Callable[[], object], ...] = (
        lambda: lam.get_function(FunctionName=name),
        lambda: lam.get_alias(FunctionName=name, Name="live"),
        lambda: lam.get_function(FunctionName=name, Qualifier="1"),
    )
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "ResourceNotFoundException"
    create(lam, server, name)  # the name is free again


def test_tags(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = unique()
    arn = create(lam, server, name, Tags={"team": "core"})["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"env": "test"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "core", "env": "test"}
    lam.untag_resource(Resource=arn, TagKeys=["team"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "test"}
    assert lam.get_function(FunctionName=name)["Tags"] == {"env": "test"}
    with pytest.raises(ClientError) as exc:
        lam.tag_resource(Resource=f"{arn}:1", Tags={"a": "b"})
    assert error_code(exc) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as exc:
        lam.tag_resource(Resource=arn, Tags={"aws:x": "b"})
    assert error_code(exc) == "InvalidParameterValueException"


def test_layers(server: RunningServer) -> None:
    lam = server.client("lambda")
    layer = unique("layer")
    content = make_zip({"python/helper.py": "X = 1\n"})
    v1 = lam.publish_layer_version(
        LayerName=layer,
        Content={"ZipFile": content},
        CompatibleRuntimes=["python3.11"],
        LicenseInfo="MIT",
    )
    assert v1["Version"] == 1
    assert v1["LayerVersionArn"].endswith(f":layer:{layer}:1")
    assert v1["Content"]["CodeSize"] == len(content)
    v2 = lam.publish_layer_version(LayerName=layer, Content={"ZipFile": content},
                                   CompatibleRuntimes=["nodejs20.x"])  # fmt: skip
    assert v2["Version"] == 2
    got = lam.get_layer_version(LayerName=layer, VersionNumber=1)
    assert got["LicenseInfo"] == "MIT"
    by_arn = lam.get_layer_version_by_arn(Arn=v2["LayerVersionArn"])
    assert by_arn["Version"] == 2
    listed = lam.list_layer_versions(LayerName=layer)["LayerVersions"]
    assert [v["Version"] for v in listed] == [2, 1]
    py = lam.list_layers(CompatibleRuntime="python3.11")["Layers"]
    mine = [item for item in py if item["LayerName"] == layer]
    assert len(mine) == 1
    assert mine[0]["LatestMatchingVersion"]["Version"] == 1

    name = unique()
    config = create(lam, server, name, Layers=[v1["LayerVersionArn"]])
    assert config["Layers"] == [{"Arn": v1["LayerVersionArn"], "CodeSize": len(content)}]
    lam.delete_layer_version(LayerName=layer, VersionNumber=1)
    with pytest.raises(ClientError) as exc:
        lam.get_layer_version(LayerName=layer, VersionNumber=1)
    assert error_code(exc) == "ResourceNotFoundException"
    # The function keeps the layer version it was created with.
    assert (
        lam.get_function(FunctionName=name)["Configuration"]["Layers"][0]["Arn"]
        == (v1["LayerVersionArn"])
    )
    with pytest.raises(ClientError) as exc:
        create(lam, server, unique(), Layers=[v1["LayerVersionArn"]])
    assert error_code(exc) == "InvalidParameterValueException"


def test_account_settings(server: RunningServer) -> None:
    lam = server.client("lambda")
    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["CodeSizeUnzipped"] == 262_144_000
    assert settings["AccountLimit"]["CodeSizeZipped"] == 52_428_800
    assert settings["AccountUsage"]["FunctionCount"] >= 0


def test_unimplemented_operation_says_so(server: RunningServer) -> None:
    lam = server.client("lambda")
    with pytest.raises(ClientError) as exc:
        lam.list_capacity_providers()
    assert error_code(exc) == "NotImplemented"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
