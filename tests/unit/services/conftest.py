from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.services.kms_world import World, open_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """A KMS service with callers in two accounts (see `kms_world`)."""
    with open_world(tmp_path) as opened:
        yield opened
