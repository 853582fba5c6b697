"""A killed writer never exposes a torn object; a changed byte on disk is never returned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from stockade.store.object_errors import NoSuchKey, ObjectCorrupted
from stockade.store.object_ports import ByteRange
from tests.unit.store.object_world import SEG, open_engine, put, random_bytes, read_all

ROOT = Path(__file__).resolve().parents[3]
OLD = b"old version " * 1000

# The child puts OLD, then starts a second put of the key and reports READY at the point the
# test names, where it stalls (for at most 60 s) until the test kills it with SIGKILL.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tests.unit.store.object_world import open_engine, put
    data_dir, point = Path(sys.argv[1]), sys.argv[2]
    engine = open_engine(data_dir)
    engine.create_bucket("b", "1", "us-east-1")
    put(engine, "b", "k", b"old version " * 1000)

    def stall():
        print("READY", flush=True)
        time.sleep(60)

    def body():
        for _ in range(40):
            yield b"N" * 65536
        if point == "mid-body":
            stall()
        yield b"end"

    if point == "before-commit":  # the body is complete and renamed; the metadata is not
        calls = engine._writer.call
        engine._writer.call = lambda op: (stall(), calls(op))[1]
    from stockade.store.object_ports import PutOptions
    engine.put_object("b", "k", body(), PutOptions())
    print("DONE", flush=True)
    """
)


def files(root: Path) -> list[Path]:
    return [p for p in (root / "objects").rglob("*") if p.is_file()]


@pytest.mark.parametrize("point", ["mid-body", "before-commit"])
def test_a_put_killed_midway_leaves_the_old_version(tmp_path: Path, point: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path), point],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        deadline = time.monotonic() + 60
        line = b""
        while time.monotonic() < deadline and not line.startswith(b"READY"):
            line = child.stdout.readline()
            if not line:
                break
        assert line.startswith(b"READY")
        if point == "before-commit":
            assert len(files(tmp_path)) == 2  # the new body is whole, named by nothing yet
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    engine = open_engine(tmp_path)
    try:
        assert read_all(engine, "b", "k") == OLD
        assert engine.head_object("b", "k").size == len(OLD)
        assert len(files(tmp_path)) == 1  # the orphan (or temporary file) was swept
    finally:
        engine.close()


def test_a_flipped_byte_is_detected_and_no_wrong_byte_returned(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    try:
        engine.create_bucket("b", "1", "us-east-1")
        data = random_bytes(4 * SEG)
        put(engine, "b", "k", data)
        (path,) = files(tmp_path)
        raw = bytearray(path.read_bytes())
        raw[2 * (SEG + 16) + 100] ^= 0x01  # inside the third segment
        path.write_bytes(bytes(raw))
        received: list[bytes] = []
        chunks = engine.get_object("b", "k").chunks
        with pytest.raises(ObjectCorrupted):
            received.extend(chunks)
        assert (
            b"".join(received) == data[: 2 * SEG]
        )  # what came before the bad segment, and no more
        ok = engine.get_object("b", "k", byte_range=ByteRange(0, SEG - 1))
        assert b"".join(ok.chunks) == data[:SEG]  # segments not touched still read
        with pytest.raises(ObjectCorrupted):
            b"".join(engine.get_object("b", "k", byte_range=ByteRange(2 * SEG, None)).chunks)
    finally:
        engine.close()


def test_truncated_swapped_and_missing_bodies_are_detected(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    try:
        engine.create_bucket("b", "1", "us-east-1")
        put(engine, "b", "one", b"1" * (2 * SEG))
        put(engine, "b", "two", b"2" * (2 * SEG))
        # Bodies are named by random ids: which file is whose is found by cutting one.
        first, second = (Path(p) for p in sorted(map(str, files(tmp_path))))
        saved_first, saved_second = first.read_bytes(), second.read_bytes()
        first.write_bytes(saved_first[: SEG + 16])  # cut after the first segment
        outcomes: dict[str, bytes | None] = {}
        for key in ("one", "two"):
            try:
                outcomes[key] = read_all(engine, "b", key)
            except ObjectCorrupted:
                outcomes[key] = None
        cut = next(key for key, got in outcomes.items() if got is None)  # exactly one
        kept = "two" if cut == "one" else "one"
        assert outcomes[kept] == (b"1" if kept == "one" else b"2") * (2 * SEG)
        first.write_bytes(saved_second)  # another object's body, same length
        second.write_bytes(saved_first)
        for key in ("one", "two"):
            with pytest.raises(ObjectCorrupted):
                read_all(engine, "b", key)
        first.unlink()
        with pytest.raises(ObjectCorrupted):
            engine.get_object("b", cut).chunks.__next__()
    finally:
        engine.close()


def test_orphans_and_temporary_files_are_swept_at_open(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    engine.create_bucket("b", "1", "us-east-1")
    put(engine, "b", "k", b"kept")
    engine.close()
    shard = tmp_path / "objects" / "ab"
    shard.mkdir(exist_ok=True)
    (shard / ("ab" + "0" * 30)).write_bytes(b"orphan")
    (shard / ".ab00.tmp").write_bytes(b"half")
    engine = open_engine(tmp_path)
    try:
        assert len(files(tmp_path)) == 1
        assert read_all(engine, "b", "k") == b"kept"
    finally:
        engine.close()


def test_an_object_deleted_while_it_streams_is_gone_not_corrupt(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    try:
        engine.create_bucket("b", "1", "us-east-1")
        put(engine, "b", "k", b"x" * SEG)
        read = engine.get_object("b", "k")
        engine.delete_object("b", "k")
        with pytest.raises(NoSuchKey):
            next(read.chunks)
    finally:
        engine.close()
