"""S3's bucket naming rules (S3 User Guide, "General purpose bucket naming rules")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockade.services.s3.bucket_names import bucket_name_problem, check_bucket_name
from stockade.services.s3.errors import InvalidBucketNameError

VALID = ["abc", "a" * 63, "my-bucket.data", "1-2-3", "docexamplebucket1", "log.2026.12",
         "xn-a", "s3alias", "192.168.5.4a", "a.b-c.d"]  # fmt: skip
INVALID = [
    "ab",  # too short
    "a" * 64,  # too long
    "My-Bucket",  # upper case
    "my_bucket",  # underscore
    "-bucket", "bucket-", ".bucket", "bucket.",  # begins or ends with neither letter nor digit
    "my..bucket",  # adjacent periods
    "192.168.5.4",  # an IP address
    "xn--bucket", "sthree-bucket", "sthree-configurator", "amzn-s3-demo-bucket",
    "bucket-s3alias", "bucket--ol-s3", "bucket.mrap", "bucket--x-s3", "bucket--table-s3",
    "bücket", "buc ket", "bucket/", "",
]  # fmt: skip


@pytest.mark.parametrize("name", VALID)
def test_valid_names_pass(name: str) -> None:
    assert bucket_name_problem(name) is None
    assert check_bucket_name(name) == name


@pytest.mark.parametrize("name", INVALID)
def test_invalid_names_are_invalid_bucket_name_naming_the_bucket(name: str) -> None:
    assert bucket_name_problem(name) is not None
    with pytest.raises(InvalidBucketNameError) as caught:
        check_bucket_name(name)
    assert caught.value.code == "InvalidBucketName"
    assert caught.value.http_status == 400
    assert caught.value.wire_fields() == {"BucketName": name}
    assert caught.value.message == "The specified bucket is not valid."


@given(st.text(max_size=70))
def test_whatever_passes_keeps_to_the_character_and_length_rules(name: str) -> None:
    if bucket_name_problem(name) is None:
        assert 3 <= len(name) <= 63
        assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        assert name[0].isalnum()
        assert name[-1].isalnum()
        assert ".." not in name
