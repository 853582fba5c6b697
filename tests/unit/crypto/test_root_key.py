"""The root key: file creation and refusal, operator keys, wrapping, and reprs."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from stockade.crypto import (
    ROOT_KEY_ENV,
    ROOT_KEY_FILE_ENV,
    AesRootKey,
    InvalidBlobError,
    KeyMismatchError,
    OsKeyFiles,
    RootKeyError,
    TamperedBlobError,
    file_root_key,
    load_root_key,
    operator_root_key,
)

FILES = OsKeyFiles()


def test_the_root_key_file_is_created_0600_with_32_bytes_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "root.key"
    first = file_root_key(path, FILES)
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(path.read_bytes()) == 32
    assert file_root_key(path, FILES).key_id == first.key_id
    assert [p.name for p in tmp_path.iterdir()] == ["root.key"]  # no temporary left behind


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_root_key_file_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "root.key"
    path.write_bytes(os.urandom(32))
    path.chmod(mode)
    with pytest.raises(RootKeyError, match="group or others"):
        file_root_key(path, FILES)


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_a_root_key_file_of_the_wrong_size_is_refused(tmp_path: Path, size: int) -> None:
    path = tmp_path / "root.key"
    path.write_bytes(os.urandom(size))
    path.chmod(0o600)
    with pytest.raises(RootKeyError, match="32-byte"):
        file_root_key(path, FILES)


def test_a_symlinked_root_key_file_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.key"
    real.write_bytes(os.urandom(32))
    real.chmod(0o600)
    (tmp_path / "root.key").symlink_to(real)
    with pytest.raises(RootKeyError):
        file_root_key(tmp_path / "root.key", FILES)


def test_the_environment_key_wins_over_the_data_dir_file(tmp_path: Path) -> None:
    key = os.urandom(32)
    env = {ROOT_KEY_ENV: base64.b64encode(key).decode()}
    assert load_root_key(env, tmp_path / "root.key", FILES).key_id == AesRootKey(key).key_id
    assert not (tmp_path / "root.key").exists()


def test_an_operator_key_file_may_hold_base64(tmp_path: Path) -> None:
    key = os.urandom(32)
    path = tmp_path / "operator.key"
    path.write_bytes(base64.b64encode(key) + b"\n")
    path.chmod(0o400)
    found = operator_root_key({ROOT_KEY_FILE_ENV: str(path)}, FILES)
    assert found is not None
    assert found.key_id == AesRootKey(key).key_id


def test_a_missing_operator_key_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RootKeyError, match="does not exist"):
        operator_root_key({ROOT_KEY_FILE_ENV: str(tmp_path / "nope")}, FILES)


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_bad_environment_key_is_refused(value: str) -> None:
    with pytest.raises(RootKeyError):
        operator_root_key({ROOT_KEY_ENV: value}, FILES)


def test_no_operator_key_configured_gives_none() -> None:
    assert operator_root_key({}, FILES) is None


def test_wrapping_binds_the_context_and_the_root_key() -> None:
    root = AesRootKey(os.urandom(32))
    wrapped = root.wrap(b"material", {"k": "1"})
    assert root.unwrap(wrapped, {"k": "1"}) == b"material"
    with pytest.raises(TamperedBlobError):
        root.unwrap(wrapped, {"k": "2"})
    with pytest.raises(KeyMismatchError):
        AesRootKey(os.urandom(32)).unwrap(wrapped, {"k": "1"})
    for position in range(len(wrapped)):
        tampered = bytearray(wrapped)
        tampered[position] ^= 0x10
        with pytest.raises(InvalidBlobError):
            root.unwrap(bytes(tampered), {"k": "1"})


def test_reprs_never_show_key_material(tmp_path: Path) -> None:
    key = os.urandom(32)
    root = AesRootKey(key)
    for text in (repr(root), str(root), repr(FILES.read(tmp_path / "x"))):
        assert key.hex() not in text
        assert repr(key) not in text
    path = tmp_path / "k"
    path.write_bytes(key)
    found = FILES.read(path)
    assert found is not None
    assert key.hex() not in repr(found)
    assert repr(key) not in repr(found)
