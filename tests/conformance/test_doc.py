"""docs/conformance.md states the suite's true count and lists every deliberate mismatch."""

from __future__ import annotations

import re

from tests.conformance import cases
from tests.support.server import REPO

DOC = (REPO / "docs" / "conformance.md").read_text()
CASES = cases.load()


def test_the_documented_count_is_the_suites() -> None:
    found = re.search(r"\*\*(\d+) of (\d+) cases pass\.\*\*", DOC)
    assert found is not None, "docs/conformance.md should say '**N of M cases pass.**'"
    matching = sum(1 for case in CASES if case.mismatch is None)
    assert (int(found[1]), int(found[2])) == (matching, len(CASES))


def test_every_mismatch_is_listed_with_its_reason() -> None:
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", DOC, re.MULTILINE))
    assert listed == {case.id for case in CASES if case.mismatch is not None}


def test_every_case_names_its_source_and_the_ids_are_unique() -> None:
    assert all(case.source.strip() for case in CASES)
    assert len({case.id for case in CASES}) == len(CASES)
