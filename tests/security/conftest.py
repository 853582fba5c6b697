from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.support import SandboxHarness, harness_fixture, real_sandbox_unavailable
from tests.support.server import RunningServer, running_server


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxHarness]:
    yield from harness_fixture()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real server (its own data dir, real sandboxes) for the cases that need the whole
    path: the log store behind the CloudWatch Logs API, the server's own CPU time."""
    reason = real_sandbox_unavailable()
    if reason is not None:
        pytest.skip(reason)
    with running_server(tmp_path_factory.mktemp("security") / "data") as running:
        yield running
