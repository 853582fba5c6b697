from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from stockade.sandbox.codecache import CodeCache
from stockade.sandbox.errors import EnvironmentStartError
from stockade.sandbox.spec import CodeSource
from tests.sandbox.support import make_zip


def source(key: str, files: dict[str, str | bytes], executable: tuple[str, ...] = ()) -> CodeSource:
    data = make_zip(files, executable)
    return CodeSource(key, lambda: data)


def test_code_is_unpacked_read_only_and_keeps_exec_bits(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = CodeCache(lambda: tmp_path)
        lease = await cache.acquire(
            "111111111111",
            (source("k", {"bootstrap": "#!/bin/sh", "lib/a.py": "x"}, ("bootstrap",)),),
        )
        assert os.access(lease.path / "bootstrap", os.X_OK)
        assert (lease.path / "lib" / "a.py").stat().st_mode & 0o777 == 0o444
        assert (lease.path / "lib").stat().st_mode & 0o777 == 0o555

    asyncio.run(scenario())


def test_layers_merge_in_order_later_layers_win(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = CodeCache(lambda: tmp_path)
        layers = (
            source("l1", {"python/a.py": "one", "python/b.py": "one"}),
            source("l2", {"python/a.py": "two"}),
        )
        lease = await cache.acquire("111111111111", layers)
        assert (lease.path / "python" / "a.py").read_text() == "two"
        assert (lease.path / "python" / "b.py").read_text() == "one"

    asyncio.run(scenario())


def test_same_code_key_is_never_shared_between_accounts(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = CodeCache(lambda: tmp_path)
        code = (source("same", {"a.py": ""}),)
        one = await cache.acquire("111111111111", code)
        two = await cache.acquire("222222222222", code)
        again = await cache.acquire("111111111111", code)
        assert one.path != two.path
        assert again.path == one.path

    asyncio.run(scenario())


def test_unused_entries_are_evicted_and_leased_ones_kept(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = CodeCache(lambda: tmp_path)
        kept = await cache.acquire("111111111111", (source("a", {"a.py": ""}),))
        dropped = await cache.acquire("111111111111", (source("b", {"b.py": ""}),))
        cache.release(dropped)
        assert await cache.evict_unused(force=True) == 1
        assert kept.path.exists()
        assert not dropped.path.exists()

    asyncio.run(scenario())


def test_hostile_archive_is_a_start_error(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = CodeCache(lambda: tmp_path)
        with pytest.raises(EnvironmentStartError, match="could not be unpacked"):
            await cache.acquire("111111111111", (source("evil", {"../escape.py": "x"}),))
        assert len(cache) == 0
        assert not (tmp_path.parent / "escape.py").exists()

    asyncio.run(scenario())
