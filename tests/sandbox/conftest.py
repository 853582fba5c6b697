from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.support import SandboxHarness, harness_fixture


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxHarness]:
    yield from harness_fixture()
