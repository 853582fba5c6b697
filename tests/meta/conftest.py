from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def kernel_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    """An in-process server that records every request, data events included."""
    data_dir = tmp_path_factory.mktemp("kernel") / "data"
    with InProcessServer(data_dir, audit_data_events=True) as server:
        yield server
