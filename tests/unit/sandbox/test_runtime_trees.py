"""The zygote's copies of runtime trees, on real files in a temporary directory."""

from __future__ import annotations

import marshal
import os
import py_compile
from pathlib import Path
from types import CodeType

from stockade.sandbox.guest import runtime_trees


def make_package(root: Path) -> Path:
    package = root / "host" / "site-packages" / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("def f():\n    return lambda: 1\n")
    (package / "sub" / "data.json").write_text("{}")
    tool = package / "tool.sh"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    (package / "link").symlink_to("/etc/passwd")
    py_compile.compile(str(package / "__init__.py"), doraise=True)
    return package


def copy(package: Path, dest: Path) -> int:
    fd = os.open(package, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return runtime_trees.copy_from_fd(fd, str(dest), "/var/runtime/pkg")
    finally:
        os.close(fd)


def filenames(code: CodeType) -> set[str]:
    found = {code.co_filename}
    for const in code.co_consts:
        if isinstance(const, CodeType):
            found |= filenames(const)
    return found


def test_a_tree_is_copied_with_its_times_and_modes_but_not_its_symlinks(tmp_path: Path) -> None:
    package = make_package(tmp_path)
    dest = tmp_path / "copy"
    assert copy(package, dest) == 4
    assert (dest / "sub" / "data.json").read_text() == "{}"
    assert not (dest / "link").exists()
    assert os.access(dest / "tool.sh", os.X_OK)
    source = package / "__init__.py"
    assert (dest / "__init__.py").stat().st_mtime_ns == source.stat().st_mtime_ns


def test_compiled_files_name_the_guest_path_not_the_hosts(tmp_path: Path) -> None:
    package = make_package(tmp_path)
    dest = tmp_path / "copy"
    copy(package, dest)
    (pyc,) = (dest / "__pycache__").iterdir()
    data = pyc.read_bytes()
    assert str(tmp_path).encode() not in data
    code = marshal.loads(data[16:])
    assert filenames(code) == {"/var/runtime/pkg/__init__.py"}
    original = (package / "__pycache__" / pyc.name).read_bytes()
    assert data[:16] == original[:16]  # still valid for its source (same mtime and size)


def test_compiled_files_of_another_interpreter_are_left_out(tmp_path: Path) -> None:
    package = make_package(tmp_path)
    (package / "__pycache__" / "__init__.cpython-39.pyc").write_bytes(b"\x00" * 32)
    dest = tmp_path / "copy"
    copy(package, dest)
    assert [p.name for p in (dest / "__pycache__").iterdir()] == [
        p.name for p in (package / "__pycache__").iterdir() if "311" in p.name
    ]


def test_a_single_module_is_copied_as_a_file(tmp_path: Path) -> None:
    module = tmp_path / "six.py"
    module.write_text("X = 1\n")
    fd = os.open(module, os.O_RDONLY)
    try:
        assert runtime_trees.copy_from_fd(fd, str(tmp_path / "out.py"), "/var/runtime/six.py") == 1
    finally:
        os.close(fd)
    assert (tmp_path / "out.py").read_text() == "X = 1\n"
