"""The KMS operations on the real key store, a real root key and the kernel's real authorizer
(called in the kernel's order: validate, decide every declared need, run; see `kms_world`)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from stockade.crypto import EnvelopeSealer
from stockade.services.audit_log import DiscardingAuditLog
from stockade.services.kms.errors import (
    AccessDeniedError,
    AlreadyExistsError,
    DisabledError,
    IncorrectKeyError,
    InvalidAliasNameError,
    InvalidCiphertextError,
    InvalidStateError,
    MalformedPolicyDocumentError,
    NotFoundError,
    UnsupportedOperationError,
    ValidationError,
)
from stockade.services.kms.for_lambda import LambdaEnvironmentKeys
from stockade.services.kms.platform import PlatformDataKeys
from stockade.services.lambda_.errors import KmsAccessDeniedError
from tests.unit.services.kms_world import REGION, World


def test_encrypt_and_decrypt_round_trip_with_context(world: World) -> None:
    key_id = world.new_key(Description="d")
    out = world.call(world.admin, "Encrypt", KeyId=key_id, Plaintext=b"hi",
                     EncryptionContext={"a": "1"})  # fmt: skip
    assert out["KeyId"].endswith(key_id)
    back = world.call(world.admin, "Decrypt", CiphertextBlob=out["CiphertextBlob"],
                      EncryptionContext={"a": "1"})  # fmt: skip
    assert back["Plaintext"] == b"hi"
    assert back["KeyId"] == out["KeyId"]


@pytest.mark.parametrize("context", [{}, {"a": "2"}, {"a": "1", "b": "2"}])
def test_a_mismatched_context_is_refused(world: World, context: dict[str, str]) -> None:
    key_id = world.new_key()
    blob = world.call(world.admin, "Encrypt", KeyId=key_id, Plaintext=b"x",
                      EncryptionContext={"a": "1"})["CiphertextBlob"]  # fmt: skip
    with pytest.raises(InvalidCiphertextError):
        world.call(world.admin, "Decrypt", CiphertextBlob=blob, EncryptionContext=context)


def test_tampered_ciphertexts_are_refused(world: World) -> None:
    key_id = world.new_key()
    blob = world.call(world.admin, "Encrypt", KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    for position in (0, 3, len(blob) - 30, len(blob) - 1):
        tampered = bytearray(blob)
        tampered[position] ^= 1
        with pytest.raises((InvalidCiphertextError, NotFoundError)):
            world.call(world.admin, "Decrypt", CiphertextBlob=bytes(tampered))
    with pytest.raises(InvalidCiphertextError):
        world.call(world.admin, "Decrypt", CiphertextBlob=b"garbage")


def test_plaintext_over_4096_bytes_is_refused(world: World) -> None:
    key_id = world.new_key()
    with pytest.raises(ValidationError):
        world.call(world.admin, "Encrypt", KeyId=key_id, Plaintext=b"x" * 4097)


def test_aliases_name_keys_and_are_unique(world: World) -> None:
    key_id = world.new_key()
    world.call(world.admin, "CreateAlias", AliasName="alias/app", TargetKeyId=key_id)
    with pytest.raises(AlreadyExistsError):
        world.call(world.admin, "CreateAlias", AliasName="alias/app", TargetKeyId=key_id)
    with pytest.raises(InvalidAliasNameError):
        world.call(world.admin, "CreateAlias", AliasName="alias/aws/mine", TargetKeyId=key_id)
    blob = world.call(world.admin, "Encrypt", KeyId="alias/app", Plaintext=b"x")["CiphertextBlob"]
    assert world.call(world.admin, "Decrypt", CiphertextBlob=blob)["Plaintext"] == b"x"
    names = [a["AliasName"] for a in world.call(world.admin, "ListAliases")["Aliases"]]
    assert names == ["alias/app"]
    world.call(world.admin, "DeleteAlias", AliasName="alias/app")
    with pytest.raises(NotFoundError):
        world.call(world.admin, "DescribeKey", KeyId="alias/app")


def test_a_disabled_key_is_refused_until_re_enabled(world: World) -> None:
    key_id = world.new_key()
    blob = world.call(world.admin, "Encrypt", KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    world.call(world.admin, "DisableKey", KeyId=key_id)
    meta = world.call(world.admin, "DescribeKey", KeyId=key_id)["KeyMetadata"]
    assert (meta["KeyState"], meta["Enabled"]) == ("Disabled", False)
    with pytest.raises(DisabledError):
        world.call(world.admin, "Decrypt", CiphertextBlob=blob)
    with pytest.raises(DisabledError):
        world.call(world.admin, "Encrypt", KeyId=key_id, Plaintext=b"x")
    world.call(world.admin, "EnableKey", KeyId=key_id)
    assert world.call(world.admin, "Decrypt", CiphertextBlob=blob)["Plaintext"] == b"x"


def test_deletion_is_scheduled_cancelled_and_finally_done(world: World) -> None:
    key_id = world.new_key()
    with pytest.raises(ValidationError):
        world.call(world.admin, "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays=6)
    out = world.call(world.admin, "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays=7)
    assert out["KeyState"] == "PendingDeletion"
    with pytest.raises(InvalidStateError):
        world.call(world.admin, "Encrypt", KeyId=key_id, Plaintext=b"x")
    with pytest.raises(InvalidStateError):
        world.call(world.admin, "EnableKey", KeyId=key_id)
    world.call(world.admin, "CancelKeyDeletion", KeyId=key_id)
    assert world.call(world.admin, "DescribeKey", KeyId=key_id)["KeyMetadata"]["KeyState"] == (
        "Disabled"
    )
    world.call(world.admin, "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays=7)
    world.clock.advance(timedelta(days=7, seconds=1).total_seconds())
    with pytest.raises(NotFoundError):
        world.call(world.admin, "DescribeKey", KeyId=key_id)


def test_rotation_keeps_old_ciphertexts_decryptable(world: World) -> None:
    key_id = world.new_key()
    old = world.call(world.admin, "Encrypt", KeyId=key_id, Plaintext=b"old")["CiphertextBlob"]
    world.call(world.admin, "EnableKeyRotation", KeyId=key_id, RotationPeriodInDays=90)
    status = world.call(world.admin, "GetKeyRotationStatus", KeyId=key_id)
    assert status["KeyRotationEnabled"] is True
    assert status["RotationPeriodInDays"] == 90
    world.call(world.admin, "RotateKeyOnDemand", KeyId=key_id)
    world.clock.advance(timedelta(days=91).total_seconds())
    assert world.kms.maintain() == (1, 0)
    new = world.call(world.admin, "Encrypt", KeyId=key_id, Plaintext=b"new")["CiphertextBlob"]
    assert new[:60] != old[:60]
    assert world.call(world.admin, "Decrypt", CiphertextBlob=old)["Plaintext"] == b"old"
    assert world.call(world.admin, "Decrypt", CiphertextBlob=new)["Plaintext"] == b"new"
    world.call(world.admin, "DisableKeyRotation", KeyId=key_id)
    assert world.call(world.admin, "GetKeyRotationStatus", KeyId=key_id)["KeyRotationEnabled"] is (
        False
    )


def test_data_keys_and_re_encryption(world: World) -> None:
    one, two = world.new_key(), world.new_key()
    out = world.call(world.admin, "GenerateDataKey", KeyId=one, KeySpec="AES_256")
    assert len(out["Plaintext"]) == 32
    assert (
        world.call(world.admin, "Decrypt", CiphertextBlob=out["CiphertextBlob"])["Plaintext"]
        == out["Plaintext"]
    )
    bare = world.call(world.admin, "GenerateDataKeyWithoutPlaintext", KeyId=one,
                      NumberOfBytes=16)  # fmt: skip
    assert "Plaintext" not in bare
    with pytest.raises(ValidationError):
        world.call(world.admin, "GenerateDataKey", KeyId=one)
    moved = world.call(world.admin, "ReEncrypt", CiphertextBlob=out["CiphertextBlob"],
                       DestinationKeyId=two, DestinationEncryptionContext={"x": "y"})  # fmt: skip
    assert moved["SourceKeyId"].endswith(one)
    back = world.call(world.admin, "Decrypt", CiphertextBlob=moved["CiphertextBlob"],
                      EncryptionContext={"x": "y"}, KeyId=two)  # fmt: skip
    assert back["Plaintext"] == out["Plaintext"]
    with pytest.raises(IncorrectKeyError):
        world.call(world.admin, "Decrypt", CiphertextBlob=moved["CiphertextBlob"],
                   EncryptionContext={"x": "y"}, KeyId=one)  # fmt: skip


def test_the_key_policy_is_required_even_with_an_identity_allow(world: World) -> None:
    key_id = world.new_key()
    blob = world.call(world.user, "Encrypt", KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    only_admin = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": world.admin.principal.arn}, "Action": "kms:*",
         "Resource": "*"}]}  # fmt: skip
    world.call(world.admin, "PutKeyPolicy", KeyId=key_id, PolicyName="default",
               Policy=json.dumps(only_admin))  # fmt: skip
    with pytest.raises(AccessDeniedError):
        world.call(world.user, "Decrypt", CiphertextBlob=blob)
    assert world.call(world.admin, "Decrypt", CiphertextBlob=blob)["Plaintext"] == b"x"
    policy = world.call(world.admin, "GetKeyPolicy", KeyId=key_id, PolicyName="default")
    assert json.loads(policy["Policy"]) == only_admin


def test_encryption_context_conditions_are_evaluated(world: World) -> None:
    key_id = world.new_key()
    by_context = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": world.admin.principal.arn}, "Action": "kms:*",
         "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": world.user.principal.arn},
         "Action": "kms:Encrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:EncryptionContext:team": "blue"}}}]}  # fmt: skip
    world.call(world.admin, "PutKeyPolicy", KeyId=key_id, Policy=json.dumps(by_context))
    world.call(world.user, "Encrypt", KeyId=key_id, Plaintext=b"x",
               EncryptionContext={"team": "blue"})  # fmt: skip
    with pytest.raises(AccessDeniedError):
        world.call(world.user, "Encrypt", KeyId=key_id, Plaintext=b"x",
                   EncryptionContext={"team": "red"})  # fmt: skip


def test_a_malformed_key_policy_is_refused(world: World) -> None:
    with pytest.raises(MalformedPolicyDocumentError):
        world.call(world.admin, "CreateKey", Policy="{}")


def test_only_symmetric_default_keys_are_supported(world: World) -> None:
    with pytest.raises(UnsupportedOperationError):
        world.call(world.admin, "CreateKey", KeySpec="RSA_2048")


def test_the_aws_lambda_key_is_created_on_demand_and_usable_only_via_lambda(
    world: World,
) -> None:
    meta = world.call(world.admin, "DescribeKey", KeyId="alias/aws/lambda")["KeyMetadata"]
    assert meta["KeyManager"] == "AWS"
    assert world.kms.managed_key(world.admin.principal.account_id, REGION).key_id == meta["KeyId"]
    with pytest.raises(AccessDeniedError):
        world.call(world.admin, "Encrypt", KeyId="alias/aws/lambda", Plaintext=b"x")
    through_lambda = LambdaEnvironmentKeys(world.kms, world.authorizer, REGION,
                                           DiscardingAuditLog())  # fmt: skip
    function = f"arn:aws:lambda:{REGION}:{world.admin.principal.account_id}:function:f"
    sealed = through_lambda.encrypt(world.admin, None, function, b"env")
    assert sealed.key_arn == meta["Arn"]
    assert through_lambda.decrypt_for_caller(world.user, function, sealed) == b"env"
    outsider = replace(world.user, principal=replace(world.user.principal,
                       arn=world.user.principal.arn.replace("bob", "nobody")))  # fmt: skip
    with pytest.raises(KmsAccessDeniedError):  # an unknown caller, even through Lambda
        through_lambda.decrypt_for_caller(outsider, function, sealed)
    with pytest.raises(AccessDeniedError):  # its key policy allows no management
        world.call(world.admin, "ScheduleKeyDeletion", KeyId=meta["KeyId"])


def test_list_keys_pages(world: World) -> None:
    made = sorted(world.new_key() for _ in range(3))
    first = world.call(world.admin, "ListKeys", Limit=2)
    assert first["Truncated"] is True
    rest = world.call(world.admin, "ListKeys", Limit=2, Marker=first["NextMarker"])
    assert [k["KeyId"] for k in first["Keys"] + rest["Keys"]] == made


def test_the_platform_data_keys_seal_objects_across_rotation(world: World) -> None:
    cipher = world.kms.deps.cipher
    data_keys = PlatformDataKeys(world.keys, cipher, world.clock)
    sealer = EnvelopeSealer(data_keys)
    old = sealer.seal(b"code", ("artifact", "1"))
    data_keys.rotate()
    assert sealer.open(old, ("artifact", "1")) == b"code"
    assert sealer.open(sealer.seal(b"new", ("q", "m")), ("q", "m")) == b"new"
    assert world.call(world.admin, "ListKeys")["Keys"] == []
