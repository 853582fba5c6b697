"""`python -m tests.conformance`: run every conformance case and print `N of M cases pass`.

A case listed as a deliberate mismatch counts among the M and not among the N; one that
unexpectedly passes is reported, so that its listing can be dropped."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.conformance import cases
from tests.conformance.runner import run
from tests.support.inprocess import InProcessServer


def main() -> int:
    loaded = cases.load()
    passed = 0
    wrong = 0
    with (
        tempfile.TemporaryDirectory() as scratch,
        InProcessServer(Path(scratch) / "data") as server,
    ):
        for case in loaded:
            differences = run(server, case)
            if not differences:
                passed += 1
            if case.mismatch is None and differences:
                wrong += 1
                print(f"FAIL {case.id}: {'; '.join(differences)}")
            elif case.mismatch is not None and not differences:
                wrong += 1
                print(f"PASS {case.id}, listed as a mismatch: drop its listing")
            elif case.mismatch is not None:
                print(f"mismatch {case.id}: {case.mismatch}")
    print(f"{passed} of {len(loaded)} cases pass")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
