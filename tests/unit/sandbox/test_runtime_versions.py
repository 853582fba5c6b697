"""The runtime version store: digests, private atomic copies, integrity on every load."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from stockade.sandbox.runtime_bundle import RuntimeBundle
from stockade.sandbox.runtime_versions import (
    InstalledDigests,
    InstalledRuntimeFiles,
    RuntimeVersionError,
    RuntimeVersions,
    RuntimeVersionStore,
    node_argv,
    python_sources,
)
from stockade.sandbox.spec import Runtime

ONE = RuntimeBundle("python3.11", (("python_runtime.py", b"A = 1\n"), ("rapi_client.py", b"")))


class Fixed:
    def __init__(self, *bundles: RuntimeBundle) -> None:
        self._bundles = bundles

    def bundles(self) -> tuple[RuntimeBundle, ...]:
        return self._bundles


def test_the_digest_names_exactly_the_runtime_and_its_files() -> None:
    same = RuntimeBundle("python3.11", tuple(reversed(ONE.files)))
    assert same.digest == ONE.digest  # the order files are listed in does not matter
    assert len(ONE.digest) == 64
    others = [
        RuntimeBundle("nodejs20.x", ONE.files),
        RuntimeBundle("python3.11", (("python_runtime.py", b"A = 2\n"), ONE.files[1])),
        RuntimeBundle("python3.11", (("python_runtime2.py", b"A = 1\n"), ONE.files[1])),
        # Length-prefixed: moving bytes between a name and its content changes the digest.
        RuntimeBundle("python3.11", (("python_runtime.pyA", b" = 1\n"), ONE.files[1])),
    ]
    assert len({ONE.digest, *(o.digest for o in others)}) == 5


def test_the_installed_files_have_a_stable_identity() -> None:
    first, second = InstalledRuntimeFiles().bundles(), InstalledRuntimeFiles().bundles()
    assert [b.digest for b in first] == [b.digest for b in second]
    assert {b.runtime for b in first} == {r.value for r in Runtime}
    installed = InstalledDigests()
    assert all(installed.kept(b, Runtime(b.runtime)) is None for b in first)
    assert installed.kept(ONE, Runtime.PYTHON311) is ONE
    assert installed.kept(None, Runtime.NODEJS20) is None
    with pytest.raises(RuntimeVersionError, match=r"cannot run nodejs20\.x"):
        installed.kept(ONE, Runtime.NODEJS20)


def test_copies_are_private_and_load_back(tmp_path: Path) -> None:
    store = RuntimeVersionStore(tmp_path / "runtimes")
    digest = store.save(ONE)
    assert stat.S_IMODE((tmp_path / "runtimes").stat().st_mode) == 0o700
    path = tmp_path / "runtimes" / f"{digest}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load(digest) == ONE
    assert [p.name for p in (tmp_path / "runtimes").iterdir()] == [path.name]  # no leftovers


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b'{"runtime": "python3.11"}',
        b'{"runtime": "python3.11", "files": [["a", "!!"]]}',
        json.dumps(
            {"runtime": "nodejs20.x", "files": [["python_runtime.py", "QSA9IDEK"]]}
        ).encode(),
    ],
)
def test_a_copy_that_is_not_what_its_name_says_is_refused(tmp_path: Path, content: bytes) -> None:
    store = RuntimeVersionStore(tmp_path)
    digest = store.save(ONE)
    (tmp_path / f"{digest}.json").write_bytes(content)
    with pytest.raises(RuntimeVersionError):
        store.load(digest)
    assert RuntimeVersions(store, Fixed()).runtime_of(digest) is None


def test_missing_symlinked_and_ill_named_copies_are_refused(tmp_path: Path) -> None:
    store = RuntimeVersionStore(tmp_path / "kept")
    with pytest.raises(RuntimeVersionError, match="not stored"):
        store.load("0" * 64)
    digest = RuntimeVersionStore(tmp_path / "elsewhere").save(ONE)
    (tmp_path / "kept").mkdir()
    os.symlink(tmp_path / "elsewhere" / f"{digest}.json", tmp_path / "kept" / f"{digest}.json")
    with pytest.raises(RuntimeVersionError):
        store.load(digest)
    for name in ("../" + "0" * 61, "A" * 64, "0" * 63):
        with pytest.raises(RuntimeVersionError, match="not a runtime version digest"):
            store.load(name)


def test_a_damaged_copy_of_a_shipped_version_is_replaced_at_start(tmp_path: Path) -> None:
    store = RuntimeVersionStore(tmp_path)
    digest = store.save(ONE)
    (tmp_path / f"{digest}.json").write_bytes(b"{}")
    versions = RuntimeVersions(store, Fixed(ONE))  # ships ONE again: its copy is rewritten
    assert versions.newest("python3.11") == digest
    assert store.load(digest) == ONE


def test_every_version_ever_shipped_stays_known(tmp_path: Path) -> None:
    store = RuntimeVersionStore(tmp_path)
    old = RuntimeVersions(store, Fixed(ONE)).newest("python3.11")
    two = RuntimeBundle("python3.11", (("python_runtime.py", b"A = 2\n"),))
    versions = RuntimeVersions(store, Fixed(two))
    assert versions.newest("python3.11") == two.digest
    assert versions.newest("provided.al2023") == ""
    assert versions.runtime_of(old) == "python3.11"
    assert versions.source(old).load() == ONE


def test_kept_versions_are_handed_to_guests_as_sources() -> None:
    assert python_sources(ONE) == {"python_runtime": "A = 1\n", "rapi_client": ""}
    node = RuntimeBundle("nodejs20.x", (("node/bootstrap.js", b"main();"),))
    argv = node_argv("/usr/bin/node", node)
    assert argv[:2] == ["/usr/bin/node", "-e"]
    assert "main();" in argv[2]
    assert '"/var/runtime/bootstrap.js", "/var/runtime"' in argv[2]


def test_a_python_runtime_version_holds_every_guest_module_the_runtime_imports() -> None:
    """A kept version runs from its own files only: a module the runtime imports from the guest
    package but the version lacks would make every pinned function exit at start."""
    import ast

    from stockade.sandbox.guest_loader import GUEST_DIR
    from stockade.sandbox.runtime_versions import RUNTIME_FILES

    held = set(RUNTIME_FILES[Runtime.PYTHON311])
    for module in sorted(held):
        tree = ast.parse((GUEST_DIR / module).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
                assert {f"{n}.py" for n in names} <= held, (module, names)
