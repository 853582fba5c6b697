"""The validation formatter words violations as AWS does (docs/conformance.md has the sources:
AWS answers recorded by localstack's Lambda/KMS snapshots, IAM's quoted in SWO-GS/auto-tag#90)."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.model import Shape

from stockade.domain.violations import Violation, summarize
from stockade.kernel.validation import validate, violations

SESSION = botocore.session.get_session()
LAMBDA = SESSION.get_service_model("lambda")
KMS = SESSION.get_service_model("kms")
IAM = SESSION.get_service_model("iam")
ROLE = "arn:aws:iam::123456789012:role/r"


def lambda_input(operation: str) -> Shape:
    shape = LAMBDA.operation_model(operation).input_shape
    assert shape is not None
    return shape


def test_a_list_of_scalars_is_reported_once_with_every_element_constraint() -> None:
    params = {"FunctionName": "f", "Role": ROLE, "Code": {}, "Architectures": ["X86_64"]}
    found = validate(lambda_input("CreateFunction"), params)
    assert found == [
        "Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy"
        " constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be"
        " null]"
    ]


def test_a_list_too_long_is_rendered_as_java_renders_it() -> None:
    found = validate(lambda_input("CreateFunction"),
                     {"FunctionName": "f", "Role": ROLE, "Code": {},
                      "Architectures": ["x86_64", "arm64"]})  # fmt: skip
    assert found == [
        "Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must"
        " have length less than or equal to 1"
    ]


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ({"2": 2.0}, "Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to"
         " satisfy constraint: Map value must satisfy constraint: [Member must have value less"
         " than or equal to 1.0, Member must have value greater than or equal to 0.0, Member"
         " must not be null]"),
        ({"$LATEST": 0.5}, "Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights'"
         " failed to satisfy constraint: Map keys must satisfy constraint: [Member must have"
         " length less than or equal to 1024, Member must have length greater than or equal to"
         " 1, Member must satisfy regular expression pattern: [0-9]+]"),
    ],
)  # fmt: skip
def test_map_keys_and_values_are_reported_at_the_map(weights: dict[str, float],
                                                     expected: str) -> None:  # fmt: skip
    params = {"FunctionName": "f", "Name": "a", "RoutingConfig": {"AdditionalVersionWeights":
                                                                  weights}}  # fmt: skip
    assert validate(lambda_input("UpdateAlias"), params) == [expected]


def test_numbers_are_quoted_and_null_is_not() -> None:
    params = {"FunctionName": "f", "Qualifier": "1", "ProvisionedConcurrentExecutions": 0}
    found = validate(lambda_input("PutProvisionedConcurrencyConfig"), params)
    assert found == [
        "Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member"
        " must have value greater than or equal to 1"
    ]
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    missing = validate(lambda_input("UntagResource"), {"Resource": arn})
    assert missing == [
        "Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"
    ]


def test_a_sensitive_value_is_not_echoed_at_all() -> None:
    shape = KMS.operation_model("Encrypt").input_shape
    secret = b"s3cr3t" * 700
    found = validate(shape, {"KeyId": "k", "Plaintext": secret})
    assert found == [
        "Value at 'plaintext' failed to satisfy constraint: Member must have length less than"
        " or equal to 4096"
    ]


def test_sensitive_map_entries_are_not_echoed_in_a_collection_report() -> None:
    params = {"FunctionName": "f", "Role": ROLE, "Code": {},
              "Environment": {"Variables": {"bad key": "hunter2"}}}  # fmt: skip
    (found,) = validate(lambda_input("CreateFunction"), params)
    assert "hunter2" not in found
    assert "bad key" not in found
    assert found.startswith("Value at 'environment.variables' failed to satisfy constraint:"
                            " Map keys must satisfy constraint: [")  # fmt: skip


def test_the_query_protocol_names_each_element() -> None:
    shape = IAM.operation_model("CreateUser").input_shape
    tags = [{"Key": "ok", "Value": "ok"}, {"Key": "k", "Value": "bad<value>"}]
    (found,) = validate(shape, {"UserName": "u", "Tags": tags}, "query")
    assert found.startswith("Value 'bad<value>' at 'tags.2.member.value' failed to satisfy")


def test_the_json_protocols_walk_structures_in_lists_per_element() -> None:
    shape = KMS.operation_model("CreateKey").input_shape
    (found,) = validate(shape, {"Tags": [{"TagKey": "k", "TagValue": "v" * 257}]})
    assert found.startswith(f"Value '{'v' * 256}' at 'tags.1.member.tagValue' failed")


def test_violations_carry_what_a_service_needs_to_answer_them_otherwise() -> None:
    params = {"FunctionName": "f", "Role": ROLE, "Code": {}, "Runtime": "python3.99"}
    (found,) = violations(lambda_input("CreateFunction"), params)
    assert (found.path, found.shown, found.enum) == ("runtime", "'python3.99'", True)


def test_summaries_count_and_join() -> None:
    one = Violation("a", "'x'", "Member must not be null")
    assert summarize([one.text]) == (
        "1 validation error detected: Value 'x' at 'a' failed to satisfy constraint: Member"
        " must not be null"
    )
    assert summarize([one.text, one.text]).startswith("2 validation errors detected: Value")
    assert "; Value 'x'" in summarize([one.text, one.text])
