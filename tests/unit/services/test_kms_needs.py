"""What each KMS operation is declared to need (request -> action, resource, policy), its audit
classification, and what is refused before or instead of acting."""

from __future__ import annotations

from typing import Any

import pytest

from stockade.kernel.audit_records import is_read_only
from stockade.services.context import RequestContext
from stockade.services.declaration import Public
from stockade.services.kms.errors import (
    AccessDeniedError,
    InvalidAliasNameError,
    InvalidCiphertextError,
    UnsupportedOperationError,
    ValidationError,
)
from tests.support.tables import needs_of
from tests.unit.services.kms_world import REGION, World, fresh

# Every operation Stockade serves for KMS (a new one must be added here and to the table).
SERVED = {
    "CreateKey", "DescribeKey", "ListKeys", "EnableKey", "DisableKey", "ScheduleKeyDeletion",
    "CancelKeyDeletion", "EnableKeyRotation", "DisableKeyRotation", "GetKeyRotationStatus",
    "RotateKeyOnDemand", "GetKeyPolicy", "PutKeyPolicy", "CreateAlias", "DeleteAlias",
    "ListAliases", "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
    "ReEncrypt", "TagResource", "UntagResource", "ListResourceTags", "ListKeyPolicies",
}  # fmt: skip


def _requests(world: World) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """A valid request for every operation, and the ARNs they name."""
    account = world.admin.principal.account_id
    one, two = world.new_key(), world.new_key()
    world.call(world.admin, "CreateAlias", AliasName="alias/one", TargetKeyId=one)
    blob = world.call(world.admin, "Encrypt", KeyId=one, Plaintext=b"x")["CiphertextBlob"]
    arns = {
        "one": f"arn:aws:kms:{REGION}:{account}:key/{one}",
        "two": f"arn:aws:kms:{REGION}:{account}:key/{two}",
        "alias/one": f"arn:aws:kms:{REGION}:{account}:alias/one",
        "alias/new": f"arn:aws:kms:{REGION}:{account}:alias/new",
    }
    policy = world.call(world.admin, "GetKeyPolicy", KeyId=one)["Policy"]
    requests: dict[str, dict[str, Any]] = {
        "CreateKey": {},
        "DescribeKey": {"KeyId": "alias/one"},
        "ListKeys": {},
        "EnableKey": {"KeyId": one},
        "DisableKey": {"KeyId": arns["one"]},
        "ScheduleKeyDeletion": {"KeyId": one, "PendingWindowInDays": 7},
        "CancelKeyDeletion": {"KeyId": one},
        "EnableKeyRotation": {"KeyId": one},
        "DisableKeyRotation": {"KeyId": one},
        "GetKeyRotationStatus": {"KeyId": arns["alias/one"]},
        "RotateKeyOnDemand": {"KeyId": one},
        "GetKeyPolicy": {"KeyId": one},
        "PutKeyPolicy": {"KeyId": arns["one"], "Policy": policy},
        "CreateAlias": {"AliasName": "alias/new", "TargetKeyId": two},
        "DeleteAlias": {"AliasName": "alias/one"},
        "ListAliases": {},
        "Encrypt": {"KeyId": "alias/one", "Plaintext": b"x"},
        "Decrypt": {"CiphertextBlob": blob},
        "GenerateDataKey": {"KeyId": one, "KeySpec": "AES_256"},
        "GenerateDataKeyWithoutPlaintext": {"KeyId": one, "NumberOfBytes": 16},
        "ReEncrypt": {"CiphertextBlob": blob, "DestinationKeyId": two},
        "TagResource": {"KeyId": one, "Tags": [{"TagKey": "team", "TagValue": "a"}]},
        "UntagResource": {"KeyId": arns["one"], "TagKeys": ["team"]},
        "ListResourceTags": {"KeyId": one},
        "ListKeyPolicies": {"KeyId": arns["two"]},
    }
    return requests, arns


def _located(world: World, ctx: RequestContext, name: str, params: dict[str, Any]) -> list[Any]:
    found = []
    for need in needs_of(world.kms.table(), ctx, name, **params):
        located = None if need.scope is None else need.scope.locate(ctx, need.resource)
        arn = need.resource if located is None else located.arn
        required = located is not None and located.policy_required
        found.append((need.action, arn, required))
    return found


def test_each_operation_needs_its_action_on_what_it_names(world: World) -> None:
    requests, arns = _requests(world)
    expected = {
        "CreateKey": [("kms:CreateKey", "*", False)],
        "ListKeys": [("kms:ListKeys", "*", False)],
        "ListAliases": [("kms:ListAliases", "*", False)],
        "DescribeKey": [("kms:DescribeKey", arns["one"], True)],
        "EnableKey": [("kms:EnableKey", arns["one"], True)],
        "DisableKey": [("kms:DisableKey", arns["one"], True)],
        "ScheduleKeyDeletion": [("kms:ScheduleKeyDeletion", arns["one"], True)],
        "CancelKeyDeletion": [("kms:CancelKeyDeletion", arns["one"], True)],
        "EnableKeyRotation": [("kms:EnableKeyRotation", arns["one"], True)],
        "DisableKeyRotation": [("kms:DisableKeyRotation", arns["one"], True)],
        "GetKeyRotationStatus": [("kms:GetKeyRotationStatus", arns["one"], True)],
        "RotateKeyOnDemand": [("kms:RotateKeyOnDemand", arns["one"], True)],
        "GetKeyPolicy": [("kms:GetKeyPolicy", arns["one"], True)],
        "PutKeyPolicy": [("kms:PutKeyPolicy", arns["one"], True)],
        # The alias by IAM policies, and its key by the key policy.
        "CreateAlias": [("kms:CreateAlias", arns["alias/new"], False),
                        ("kms:CreateAlias", arns["two"], True)],
        "DeleteAlias": [("kms:DeleteAlias", arns["alias/one"], False),
                        ("kms:DeleteAlias", arns["one"], True)],
        "Encrypt": [("kms:Encrypt", arns["one"], True)],
        "Decrypt": [("kms:Decrypt", arns["one"], True)],
        "GenerateDataKey": [("kms:GenerateDataKey", arns["one"], True)],
        "GenerateDataKeyWithoutPlaintext": [
            ("kms:GenerateDataKeyWithoutPlaintext", arns["one"], True)],
        "ReEncrypt": [("kms:ReEncryptFrom", arns["one"], True),
                      ("kms:ReEncryptTo", arns["two"], True)],
        # By key id or key ARN, through the key policy (tagging: "kms:TagResource (key policy)").
        "TagResource": [("kms:TagResource", arns["one"], True)],
        "UntagResource": [("kms:UntagResource", arns["one"], True)],
        "ListResourceTags": [("kms:ListResourceTags", arns["one"], True)],
        "ListKeyPolicies": [("kms:ListKeyPolicies", arns["two"], True)],
    }  # fmt: skip
    assert set(expected) == set(requests) == SERVED
    for name, params in requests.items():
        assert _located(world, fresh(world.admin), name, params) == expected[name], name


def test_the_table_declares_every_served_operation_as_cloudtrail_classifies_it(
    world: World,
) -> None:
    table = world.kms.table()
    assert table.service == "kms"
    assert set(table.operations) == SERVED
    for name, declared in table.operations.items():
        assert not isinstance(declared.access, Public), name
        assert declared.audit.read_only == is_read_only("kms", name), name
        assert not declared.audit.data_event, name
    # Encrypt and its kin are read-only management events, as in CloudTrail.
    crypto = ("Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
              "ReEncrypt")  # fmt: skip
    assert all(table.operations[name].audit.read_only for name in crypto)


def test_a_caller_without_policies_is_denied_every_operation(world: World) -> None:
    requests, _ = _requests(world)
    for name, params in requests.items():
        with pytest.raises(AccessDeniedError, match=f"User: {world.nobody.principal.arn} is not"):
            world.call(world.nobody, name, **params)


def test_the_encryption_context_and_caller_account_are_condition_keys(world: World) -> None:
    requests, _ = _requests(world)
    account = (world.admin.principal.account_id,)
    [encrypt] = needs_of(world.kms.table(), world.admin, "Encrypt", **requests["Encrypt"],
                         EncryptionContext={"team": "blue", "app": "x"})  # fmt: skip
    assert dict(encrypt.context) == {
        "kms:CallerAccount": account,
        "kms:EncryptionContextKeys": ("app", "team"),
        "kms:EncryptionContext:team": ("blue",),
        "kms:EncryptionContext:app": ("x",),
    }
    source, destination = needs_of(
        world.kms.table(), world.admin, "ReEncrypt", **requests["ReEncrypt"],
        SourceEncryptionContext={"from": "a"}, DestinationEncryptionContext={"to": "b"},
    )  # fmt: skip
    assert source.context["kms:EncryptionContext:from"] == ("a",)
    assert "kms:EncryptionContext:to" not in source.context
    assert destination.context["kms:EncryptionContext:to"] == ("b",)
    [describe] = needs_of(world.kms.table(), world.admin, "DescribeKey", KeyId="alias/one")
    assert dict(describe.context) == {"kms:CallerAccount": account}


@pytest.mark.parametrize(
    ("name", "params", "error"),
    [
        ("Decrypt", {"CiphertextBlob": b"garbage"}, InvalidCiphertextError),
        ("Decrypt", {}, ValidationError),
        ("ReEncrypt", {"DestinationKeyId": "alias/x"}, ValidationError),
        ("CreateAlias", {"AliasName": "alias/aws/mine", "TargetKeyId": "k"},
         InvalidAliasNameError),
        ("DeleteAlias", {"AliasName": "alias/aws/lambda"}, InvalidAliasNameError),
    ],
)  # fmt: skip
def test_a_request_that_can_name_nothing_is_refused_before_access(
    world: World, name: str, params: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        world.call(world.nobody, name, **params)


def test_a_missing_ciphertext_is_kmss_validation_error(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        world.call(world.admin, "Decrypt")
    assert refused.value.message == (
        "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy"
        " constraint: Member must not be null"
    )


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("Decrypt", {"Recipient": {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                                   "AttestationDocument": b"doc"}}),
        ("GenerateDataKey", {"Recipient": {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256"}}),
        ("Encrypt", {"DryRun": True}),
        ("ReEncrypt", {"DryRun": True}),
    ],
)  # fmt: skip
def test_members_stockade_would_not_honour_are_refused_not_ignored(
    world: World, name: str, extra: dict[str, Any]
) -> None:
    requests, _ = _requests(world)
    with pytest.raises(UnsupportedOperationError, match="Stockade does not support"):
        world.call(world.admin, name, **requests[name], **extra)
