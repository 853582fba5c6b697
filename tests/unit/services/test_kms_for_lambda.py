"""Lambda's use of keys for environment variables (`services.kms.for_lambda`): decided by the
kernel's authorizer through `Decider` with kms:ViaService, the function's encryption context and
Lambda's grant for the execution role; audited as KMS calls invoked by Lambda; KMS errors as
Lambda's."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from stockade.audit.events import AuditEvent
from stockade.domain.identity import Principal, PrincipalKind
from stockade.errors import ApiError
from stockade.services.context import RequestContext
from stockade.services.declaration import Decision, Need
from stockade.services.identity import BASIC_EXECUTION_ROLE
from stockade.services.kms.for_lambda import LambdaEnvironmentKeys
from stockade.services.lambda_ import errors as lam
from tests.unit.services.kms_world import REGION, World

VIA = f"lambda.{REGION}.amazonaws.com"


class RecordingDecider:
    """The real authorizer, remembering what it was asked (a real fake, not a stand-in)."""

    def __init__(self, world: World) -> None:
        self._authorizer = world.authorizer
        self.asked: list[Need] = []

    def decide(
        self, ctx: RequestContext, need: Need, denied: Callable[[str], ApiError]
    ) -> Decision:
        self.asked.append(need)
        return self._authorizer.decide(ctx, need, denied)


class RecordedAudit:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def write(self, event: AuditEvent) -> None:
        self.events.append(event)


def _role(world: World) -> Principal:
    account = world.admin.principal.account_id
    return Principal(
        PrincipalKind.ASSUMED_ROLE, account,
        f"arn:aws:sts::{account}:assumed-role/{BASIC_EXECUTION_ROLE}/f", "AROAF:f", "f",
        role_arn=f"arn:aws:iam::{account}:role/{BASIC_EXECUTION_ROLE}",
    )  # fmt: skip


def _function(world: World) -> str:
    return f"arn:aws:lambda:{REGION}:{world.admin.principal.account_id}:function:f"


def _keys(world: World) -> tuple[LambdaEnvironmentKeys, RecordingDecider, RecordedAudit]:
    decider, audit = RecordingDecider(world), RecordedAudit()
    return LambdaEnvironmentKeys(world.kms, decider, REGION, audit), decider, audit


def test_encrypting_asks_for_kms_encrypt_via_lambda_with_the_functions_context(
    world: World,
) -> None:
    keys, decider, audit = _keys(world)
    key_arn = world.call(world.admin, "CreateKey")["KeyMetadata"]["Arn"]
    sealed = keys.encrypt(world.admin, key_arn, _function(world), b'{"A":"1"}')
    [need] = decider.asked
    assert (need.action, need.resource) == ("kms:Encrypt", key_arn)
    assert need.context["kms:ViaService"] == (VIA,)
    assert need.context["kms:EncryptionContext:aws:lambda:FunctionArn"] == (_function(world),)
    assert need.context["kms:CallerAccount"] == (world.admin.principal.account_id,)
    [event] = audit.events
    record = event.record()
    assert (record["eventSource"], record["eventName"]) == ("kms.amazonaws.com", "Encrypt")
    assert record["userIdentity"]["invokedBy"] == "lambda.amazonaws.com"
    assert "errorCode" not in record
    assert keys.decrypt_for_caller(world.admin, _function(world), sealed) == b'{"A":"1"}'


def test_the_functions_role_decrypts_by_lambdas_grant_alone(world: World) -> None:
    keys, decider, audit = _keys(world)
    key_arn = world.call(world.admin, "CreateKey")["KeyMetadata"]["Arn"]
    sealed = keys.encrypt(world.admin, key_arn, _function(world), b"env")
    decider.asked.clear()
    # The basic execution role's own policies allow logs only: the grant lets it decrypt.
    assert keys.decrypt_for_function(_role(world), _function(world), sealed) == b"env"
    [need] = decider.asked
    assert (need.action, need.context["kms:ViaService"]) == ("kms:Decrypt", (VIA,))
    # ... for this function only: the ciphertext is bound to the function's ARN.
    other = _function(world).replace(":function:f", ":function:g")
    with pytest.raises(lam.KmsAccessDeniedError):
        keys.decrypt_for_function(_role(world), other, sealed)
    # ... and a caller decrypting with no grant and no policy is refused.
    with pytest.raises(lam.KmsAccessDeniedError):
        keys.decrypt_for_caller(world.nobody, _function(world), sealed)
    assert [e.record().get("errorCode") for e in audit.events[1:]] == [
        None,
        "InvalidCiphertextException",
        "AccessDeniedException",
    ]


def test_a_deny_in_the_key_policy_beats_lambdas_grant(world: World) -> None:
    keys, _, audit = _keys(world)
    key_arn = world.call(world.admin, "CreateKey")["KeyMetadata"]["Arn"]
    sealed = keys.encrypt(world.admin, key_arn, _function(world), b"env")
    policy = json.loads(world.call(world.admin, "GetKeyPolicy", KeyId=key_arn)["Policy"])
    policy["Statement"].append({"Effect": "Deny", "Principal": {"AWS": _role(world).role_arn},
                                "Action": "kms:Decrypt", "Resource": "*"})  # fmt: skip
    world.call(world.admin, "PutKeyPolicy", KeyId=key_arn, Policy=json.dumps(policy))
    with pytest.raises(lam.KmsAccessDeniedError, match="KMS access was denied"):
        keys.decrypt_for_function(_role(world), _function(world), sealed)
    assert audit.events[-1].record()["errorCode"] == "AccessDeniedException"


def test_the_keys_state_becomes_lambdas_kms_errors(world: World) -> None:
    keys, _, _ = _keys(world)
    key_arn = world.call(world.admin, "CreateKey")["KeyMetadata"]["Arn"]
    sealed = keys.encrypt(world.admin, key_arn, _function(world), b"env")
    world.call(world.admin, "DisableKey", KeyId=key_arn)
    with pytest.raises(lam.KmsDisabledError):
        keys.decrypt_for_function(_role(world), _function(world), sealed)
    with pytest.raises(lam.InvalidParameterValueError, match="KMS Exception: DisabledException"):
        keys.encrypt(world.admin, key_arn, _function(world), b"env")
    missing = key_arn.rsplit("/", 1)[0] + "/1234abcd-12ab-34cd-56ef-1234567890ab"
    with pytest.raises(lam.InvalidParameterValueError, match="KMS Exception: NotFoundException"):
        keys.encrypt(world.admin, missing, _function(world), b"env")
