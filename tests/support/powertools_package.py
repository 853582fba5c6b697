"""A deployment package with Powertools for AWS Lambda (Python) and the Secrets Manager caching
library from PyPI, and a function that reads parameters and secrets as their docs write it
(tests/fixtures/powertools_parameters).

The exact versions live here and nowhere else (Powertools and its dependencies, transitive
ones included); boto3 is not packaged: Lambda's runtime ships it, and so does Stockade's.
"""

from __future__ import annotations

from tests.support.pinned_packages import PinnedPackage, build
from tests.support.server import REPO

POWERTOOLS = PinnedPackage(
    "powertools-parameters", "python3.11", "app.handler",
    REPO / "tests" / "fixtures" / "powertools_parameters",
    python=("aws-lambda-powertools==3.37.0", "jmespath==1.1.0", "typing-extensions==4.16.0",
            "aws-secretsmanager-caching==1.2.0"),
)  # fmt: skip


def powertools_package() -> bytes:
    built = build(POWERTOOLS, "powertools")
    assert built is not None  # only Node pins can make a package unbuildable
    return built
