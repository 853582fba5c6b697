"""A kept runtime version that was altered in the data dir is refused, never run.

The copy is changed so that it still parses (valid JSON, valid base64, valid Python that would
run): only the digest check stands between it and a sandbox. The refusal comes before any
sandbox is launched, so the altered code never executes; the intact copy still runs.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest

from stockade.sandbox import Runtime
from stockade.sandbox.runtime_versions import (
    RuntimeVersionError,
    RuntimeVersions,
    RuntimeVersionStore,
)
from tests.sandbox.support import SandboxHarness, make_spec, make_zip
from tests.sandbox.test_runtime_versions_real import PYTHON_APP
from tests.support.runtime_files import Shipped

pytestmark = pytest.mark.slow


def test_an_altered_runtime_copy_is_refused_before_any_sandbox_runs(
    sandbox: SandboxHarness, tmp_path: Path
) -> None:
    store = RuntimeVersionStore(tmp_path / "runtimes")
    pinned = RuntimeVersions(store, Shipped("v1")).newest("python3.11")
    versions = RuntimeVersions(store, Shipped("v2"))  # v1 is now only a kept copy
    spec = replace(
        make_spec(PYTHON_APP, name="tampered", config_key="t1"),
        runtime_version=versions.source(pinned),
    )
    assert json.loads(sandbox.invoke(spec).payload) == {"marker": "v1"}  # intact: runs

    path = tmp_path / "runtimes" / f"{pinned}.json"
    document = json.loads(path.read_bytes())
    evil = b'import os\nos.environ["RUNTIME_MARKER"] = "altered"\n'
    document["files"] = [
        [name, base64.b64encode(evil + base64.b64decode(data)).decode()]
        if name == "python_runtime.py"
        else [name, data]
        for name, data in document["files"]
    ]
    path.write_text(json.dumps(document))

    altered = replace(spec, config_key="t2")  # a cold start: the copy is loaded again
    with pytest.raises(RuntimeVersionError, match="fails its integrity check"):
        sandbox.invoke(altered)
    assert versions.runtime_of(pinned) is None  # not offered for pinning either


def test_a_runtime_copy_renamed_to_another_digest_is_refused(
    sandbox: SandboxHarness, tmp_path: Path
) -> None:
    store = RuntimeVersionStore(tmp_path / "runtimes")
    versions = RuntimeVersions(store, Shipped("v1"))
    real = versions.newest("python3.11")
    forged = "f" * 64  # a name the content does not hash to
    (tmp_path / "runtimes" / f"{real}.json").rename(tmp_path / "runtimes" / f"{forged}.json")
    spec = replace(
        make_spec(make_zip({"app.py": "def handler(e, c):\n    return 1\n"}), name="forged"),
        runtime=Runtime.PYTHON311,
        runtime_version=versions.source(forged),
    )
    with pytest.raises(RuntimeVersionError):
        sandbox.invoke(spec)
