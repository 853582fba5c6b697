"""The block-drawn CSPRNG: every byte handed out once, never shared with a forked child."""

from __future__ import annotations

import os

from stockade import entropy


def test_tokens_have_the_asked_length_and_do_not_repeat() -> None:
    tokens = [entropy.token_bytes(12) for _ in range(2000)]  # spans several 4 KiB blocks
    assert {len(token) for token in tokens} == {12}
    assert len(set(tokens)) == len(tokens)
    assert len(entropy.token_bytes(10_000)) == 10_000  # larger than a block: drawn directly


def test_uuids_are_version_4_and_distinct() -> None:
    ids = [entropy.uuid4() for _ in range(1000)]
    assert {found.version for found in ids} == {4}
    assert len(set(ids)) == len(ids)


def test_a_forked_child_never_repeats_its_parents_bytes() -> None:
    entropy.token_bytes(1)  # the parent now holds a partly used block
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        os.write(write_end, entropy.token_bytes(64))
        os._exit(0)
    os.close(write_end)
    from_child = os.read(read_end, 64)
    os.close(read_end)
    os.waitpid(child, 0)
    from_parent = entropy.token_bytes(64)
    assert len(from_child) == 64
    assert from_child != from_parent
