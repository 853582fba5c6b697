"""Each server instance on a host claims its own address block for its default network.

Claims are advisory locks on files under the lock directory, held for the process's life: a
crashed server's claim ends with it, so no stale claim needs cleaning. A block some interface
of the host already uses (another program's network, a crashed server's leftover) is skipped.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path

from stockade.sandbox.network.errors import NetworkUnavailableError
from stockade.sandbox.network.ranges import ADDRESS_POOL, BLOCK_PREFIX

LOCK_DIR = Path("/run/stockade/network")


@dataclass
class BlockClaim:
    block: IPv4Network
    _fd: int

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing drops the lock
            self._fd = -1


def claim_block(
    wanted: IPv4Network | None,
    in_use: Sequence[IPv4Network],
    lock_dir: Path = LOCK_DIR,
    pool: IPv4Network = ADDRESS_POOL,
    prefix: int = BLOCK_PREFIX,
) -> BlockClaim:
    """`wanted` (the operator's choice) or the first free block of the pool."""
    lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    candidates = [wanted] if wanted is not None else list(pool.subnets(new_prefix=prefix))
    for block in candidates:
        if any(block.overlaps(used) for used in in_use):
            continue
        name = str(block).replace("/", "_")
        fd = os.open(lock_dir / name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return BlockClaim(block, fd)
    where = str(wanted) if wanted is not None else f"the pool {pool}"
    raise NetworkUnavailableError(f"no free address block in {where} for the default network")
