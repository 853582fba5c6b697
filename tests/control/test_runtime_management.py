"""Get/PutRuntimeManagementConfig and RuntimeVersionConfig, in-process on fake guests.

Shapes and modes from botocore's Lambda model (UpdateRuntimeOn: Auto | FunctionUpdate | Manual;
RuntimeVersionArn returned by Get/Put only for Manual, "otherwise null"); the ARN form is the
one Lambda prints in INIT_START lines (`arn:aws:lambda:<region>::runtime:<64 hex>`). A runtime
update of Stockade is simulated by starting a second server over the same data dir with other
shipped runtime files.
"""

from __future__ import annotations

import json
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.sandbox.backends.fake import FakeBackend, FakeContext
from stockade.sandbox.runtime_bundle import RuntimeBundle
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO
from tests.support.runtime_files import Shipped

REGION = "us-east-1"


def arn_of(bundle: RuntimeBundle) -> str:
    return f"arn:aws:lambda:{REGION}::runtime:{bundle.digest}"


async def _ok(event: bytes, context: FakeContext) -> bytes:
    return b'{"ok": true}'


def start(data: Path, shipped: Shipped) -> tuple[InProcessServer, FakeBackend]:
    backend = FakeBackend({"app.handler": _ok})
    return InProcessServer(data, sandbox=backend, runtime_files=shipped).start(), backend


@pytest.fixture
def v1() -> Shipped:
    return Shipped("v1")


@pytest.fixture
def server(tmp_path: Path, v1: Shipped) -> Iterator[InProcessServer]:
    running, _ = start(tmp_path / "data", v1)
    try:
        yield running
    finally:
        running.stop()


def create(server: InProcessServer, runtime: str = "python3.11", **extra: Any) -> str:
    name = f"rt-{uuid.uuid4().hex[:10]}"
    server.client("lambda").create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": PYTHON_ECHO},
        **extra,
    )
    return name


def refused(server: InProcessServer, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        server.client("lambda", validate=False).put_runtime_management_config(**params)
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500
    return str(error["Code"]), str(error["Message"])


def shown_version(server: InProcessServer, name: str, qualifier: str | None = None) -> str:
    lam = server.client("lambda")
    extra = {"Qualifier": qualifier} if qualifier else {}
    config = lam.get_function_configuration(FunctionName=name, **extra)
    whole = lam.get_function(FunctionName=name, **extra)["Configuration"]
    assert whole["RuntimeVersionConfig"] == config["RuntimeVersionConfig"]
    return str(config["RuntimeVersionConfig"]["RuntimeVersionArn"])


def test_a_new_function_is_auto_and_runs_the_newest_runtime_version(
    server: InProcessServer, v1: Shipped
) -> None:
    lam = server.client("lambda")
    name = create(server)
    got = lam.get_runtime_management_config(FunctionName=name)
    assert got["UpdateRuntimeOn"] == "Auto"
    assert got["FunctionArn"] == f"arn:aws:lambda:{REGION}:{server.account_id}:function:{name}"
    assert "RuntimeVersionArn" not in got  # "otherwise null is returned"
    assert shown_version(server, name) == arn_of(v1.python)
    listed = [f for f in lam.list_functions()["Functions"] if f["FunctionName"] == name]
    # "ListFunctions returns a subset of the FunctionConfiguration fields. To get the additional
    # fields (State, ..., RuntimeVersionConfig) ... use GetFunction" (API reference).
    assert "RuntimeVersionConfig" not in listed[0]
    node = create(server, runtime="nodejs20.x")
    assert shown_version(server, node) == arn_of(v1.node)


def test_manual_pins_a_version_and_get_returns_it(server: InProcessServer, v1: Shipped) -> None:
    lam = server.client("lambda")
    name = create(server)
    put = lam.put_runtime_management_config(
        FunctionName=name, UpdateRuntimeOn="Manual", RuntimeVersionArn=arn_of(v1.python)
    )
    assert put["UpdateRuntimeOn"] == "Manual"
    assert put["RuntimeVersionArn"] == arn_of(v1.python)
    got = lam.get_runtime_management_config(FunctionName=name, Qualifier="$LATEST")
    assert got["UpdateRuntimeOn"] == "Manual"
    assert got["RuntimeVersionArn"] == arn_of(v1.python)
    assert got["FunctionArn"].endswith(f":function:{name}:$LATEST")
    back = lam.put_runtime_management_config(FunctionName=name, UpdateRuntimeOn="FunctionUpdate")
    assert "RuntimeVersionArn" not in back
    got = lam.get_runtime_management_config(FunctionName=name)
    assert got["UpdateRuntimeOn"] == "FunctionUpdate"
    assert "RuntimeVersionArn" not in got


def test_bad_requests_get_lambdas_errors_and_change_nothing(
    server: InProcessServer, v1: Shipped
) -> None:
    name = create(server)
    lam = server.client("lambda")
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="$LATEST")
    unknown = f"arn:aws:lambda:{REGION}::runtime:{'0' * 64}"
    assert refused(server, FunctionName=name, UpdateRuntimeOn="Manual")[0] == (
        "InvalidParameterValueException"
    )
    assert (
        refused(
            server, FunctionName=name, UpdateRuntimeOn="Auto", RuntimeVersionArn=arn_of(v1.python)
        )[0]
        == "InvalidParameterValueException"
    )
    code, message = refused(
        server, FunctionName=name, UpdateRuntimeOn="Manual", RuntimeVersionArn=unknown
    )
    assert code == "InvalidParameterValueException"
    assert unknown in message
    elsewhere = arn_of(v1.python).replace(REGION, "eu-west-1")
    assert (
        refused(server, FunctionName=name, UpdateRuntimeOn="Manual", RuntimeVersionArn=elsewhere)[0]
        == "InvalidParameterValueException"
    )
    # A version of another runtime cannot be pinned.
    code, message = refused(
        server, FunctionName=name, UpdateRuntimeOn="Manual", RuntimeVersionArn=arn_of(v1.node)
    )
    assert code == "InvalidParameterValueException"
    assert "python3.11" in message
    # Aliases are not allowed (Lambda's message for an alias qualifier).
    code, message = refused(server, FunctionName=name, Qualifier="live", UpdateRuntimeOn="Auto")
    assert code == "InvalidParameterValueException"
    assert message.endswith(f"function:{name}:live is invalid. Aliases are not allowed.")
    assert refused(server, FunctionName="missing-fn", UpdateRuntimeOn="Auto")[0] == (
        "ResourceNotFoundException"
    )
    assert refused(server, FunctionName=name, Qualifier="7", UpdateRuntimeOn="Auto")[0] == (
        "ResourceNotFoundException"
    )
    assert refused(server, FunctionName=name, UpdateRuntimeOn="Sometimes")[0] == (
        "ValidationException"
    )
    assert lam.get_runtime_management_config(FunctionName=name)["UpdateRuntimeOn"] == "Auto"


def test_published_versions_are_configured_on_their_own_and_keep_their_version(
    server: InProcessServer, v1: Shipped
) -> None:
    lam = server.client("lambda")
    name = create(server)
    lam.put_runtime_management_config(FunctionName=name, UpdateRuntimeOn="FunctionUpdate")
    published = lam.publish_version(FunctionName=name)
    assert published["RuntimeVersionConfig"] == {"RuntimeVersionArn": arn_of(v1.python)}
    number = published["Version"]
    got = lam.get_runtime_management_config(FunctionName=name, Qualifier=number)
    assert got["UpdateRuntimeOn"] == "FunctionUpdate"  # published with $LATEST's settings
    assert got["FunctionArn"].endswith(f":function:{name}:{number}")
    lam.put_runtime_management_config(
        FunctionName=name,
        Qualifier=number,
        UpdateRuntimeOn="Manual",
        RuntimeVersionArn=arn_of(v1.python),
    )
    assert lam.get_runtime_management_config(FunctionName=name)["UpdateRuntimeOn"] == (
        "FunctionUpdate"
    )


def _invoked_digest(server: InProcessServer, backend: FakeBackend, name: str) -> str:
    before = len(backend.launches)
    result = server.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in result, result["Payload"].read()
    assert len(backend.launches) == before + 1  # a cold start: the version's own environment
    files = backend.launches[-1].runtime_files
    assert files is not None
    return files.digest


def test_a_stockade_runtime_update_moves_auto_but_not_manual_or_published(
    tmp_path: Path, v1: Shipped
) -> None:
    data = tmp_path / "data"
    first, _ = start(data, v1)
    try:
        lam = first.client("lambda")
        auto, on_update, manual = create(first), create(first), create(first)
        lam.put_runtime_management_config(FunctionName=on_update, UpdateRuntimeOn="FunctionUpdate")
        number = lam.publish_version(FunctionName=on_update)["Version"]
        lam.put_runtime_management_config(
            FunctionName=manual, UpdateRuntimeOn="Manual", RuntimeVersionArn=arn_of(v1.python)
        )
    finally:
        first.stop()
    v2 = Shipped("v2")
    assert v2.python.digest != v1.python.digest
    assert v2.node.digest != v1.node.digest  # each runtime was updated
    second, backend = start(data, v2)
    try:
        lam = second.client("lambda")
        assert shown_version(second, auto) == arn_of(v2.python)
        assert shown_version(second, on_update) == arn_of(v1.python)
        assert shown_version(second, on_update, number) == arn_of(v1.python)
        assert shown_version(second, manual) == arn_of(v1.python)
        assert _invoked_digest(second, backend, auto) == v2.python.digest
        assert _invoked_digest(second, backend, manual) == v1.python.digest
        assert _invoked_digest(second, backend, on_update) == v1.python.digest
        # The next function update takes the newest version; the published one keeps its own.
        lam.update_function_configuration(FunctionName=on_update, Timeout=5)
        assert shown_version(second, on_update) == arn_of(v2.python)
        assert shown_version(second, on_update, number) == arn_of(v1.python)
        assert _invoked_digest(second, backend, f"{on_update}:{number}") == v1.python.digest
        # Every version ever shipped stays pinnable.
        lam.put_runtime_management_config(
            FunctionName=auto, UpdateRuntimeOn="Manual", RuntimeVersionArn=arn_of(v1.python)
        )
        assert shown_version(second, auto) == arn_of(v1.python)
    finally:
        second.stop()
    kept = data / "runtimes"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o700
    for path in kept.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert {p.name for p in kept.iterdir()} >= {
        f"{v1.python.digest}.json",
        f"{v2.python.digest}.json",
        f"{v1.node.digest}.json",
    }


def test_a_tampered_runtime_copy_is_refused_not_run(tmp_path: Path, v1: Shipped) -> None:
    data = tmp_path / "data"
    first, _ = start(data, v1)
    try:
        manual = create(first)
        first.client("lambda").put_runtime_management_config(
            FunctionName=manual, UpdateRuntimeOn="Manual", RuntimeVersionArn=arn_of(v1.python)
        )
    finally:
        first.stop()
    # After an update v1 is no longer shipped: its kept copy is all there is. Alter it.
    second, backend = start(data, Shipped("v2"))
    try:
        stored = data / "runtimes" / f"{v1.python.digest}.json"
        document = json.loads(stored.read_bytes())
        document["files"] = [
            [name, "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImlkIikK" if name == "python_runtime.py" else b64]
            for name, b64 in document["files"]
        ]
        stored.write_text(json.dumps(document))
        os.chmod(stored, 0o600)
        with pytest.raises(ClientError) as caught:
            second.client("lambda").invoke(FunctionName=manual, Payload=b"{}")
        assert caught.value.response["Error"]["Code"] == "ResourceNotReadyException"
        assert backend.launches == []  # nothing was started with the altered files
        # Nor can the altered copy be pinned anew.
        other = create(second)
        code, _ = refused(
            second,
            FunctionName=other,
            UpdateRuntimeOn="Manual",
            RuntimeVersionArn=arn_of(v1.python),
        )
        assert code == "InvalidParameterValueException"
    finally:
        second.stop()


def test_a_runtime_change_under_manual_is_refused_and_changes_nothing(
    server: InProcessServer, v1: Shipped
) -> None:
    lam = server.client("lambda")
    name = create(server)
    lam.put_runtime_management_config(
        FunctionName=name, UpdateRuntimeOn="Manual", RuntimeVersionArn=arn_of(v1.python)
    )
    before = lam.get_function_configuration(FunctionName=name)
    before.pop("ResponseMetadata")
    with pytest.raises(ClientError) as caught:
        lam.update_function_configuration(FunctionName=name, Runtime="nodejs20.x")
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert arn_of(v1.python) in caught.value.response["Error"]["Message"]
    after = lam.get_function_configuration(FunctionName=name)
    after.pop("ResponseMetadata")
    assert after == before
    # Within the runtime, updates go on and the pin holds.
    lam.update_function_configuration(FunctionName=name, Timeout=9)
    assert shown_version(server, name) == arn_of(v1.python)
    lam.put_runtime_management_config(FunctionName=name, UpdateRuntimeOn="Auto")
    changed = lam.update_function_configuration(FunctionName=name, Runtime="nodejs20.x")
    assert changed["RuntimeVersionConfig"] == {"RuntimeVersionArn": arn_of(v1.node)}
