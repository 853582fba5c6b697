"""Stockade's answers against AWS's, case by case (tests/conformance/cases/*.json).

A case Stockade deliberately answers otherwise names why (`mismatch`) and is expected to fail,
strictly: once Stockade matches AWS the case must drop its `mismatch`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance import cases
from tests.conformance.runner import run
from tests.support.inprocess import InProcessServer

CASES = cases.load()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("conformance") / "data") as running:
        yield running


def _param(case: cases.Case) -> object:
    marks = [pytest.mark.xfail(reason=case.mismatch, strict=True)] if case.mismatch else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_stockade_answers_as_aws(server: InProcessServer, case: cases.Case) -> None:
    differences = run(server, case)
    assert differences == [], f"{case.id} ({case.source}): " + "; ".join(differences)
