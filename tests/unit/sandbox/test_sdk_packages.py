from __future__ import annotations

from stockade.sandbox.sdk_packages import sdk_package_paths


def test_boto3_and_its_dependencies_are_found_by_metadata() -> None:
    names = {path.name for path in sdk_package_paths()}
    assert {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"} <= names


def test_nothing_outside_the_sdk_is_exposed() -> None:
    names = {path.name for path in sdk_package_paths()}
    assert not names & {"stockade", "cryptography", "uvicorn", "click", "pytest"}


def test_missing_distribution_yields_nothing() -> None:
    assert sdk_package_paths("no-such-distribution-xyz") == ()
