"""Where authorization finds KMS keys and their policies (`services.kms.scopes`), on the real key
store: every way of naming a key, KMS's errors before access, and the key a handler acts on."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from stockade.errors import InternalError
from stockade.services.declaration import Need
from stockade.services.kms.errors import (
    AccessDeniedError,
    IncorrectKeyError,
    InvalidArnError,
    InvalidCiphertextError,
    NotFoundError,
)
from stockade.services.kms.platform import PLATFORM_KEY_ID, PlatformDataKeys
from stockade.services.kms.scopes import AliasScope, CiphertextKeyScope, FoundKey
from stockade.store.key_ports import AliasRecord
from tests.support.tables import call, needs_of
from tests.unit.services.kms_world import REGION, World, fresh


def _arn(world: World, key_id: str) -> str:
    return f"arn:aws:kms:{REGION}:{world.admin.principal.account_id}:key/{key_id}"


def _point(world: World, alias: str, key_id: str) -> None:
    """Re-point an alias straight in the store (as a concurrent UpdateAlias would)."""
    account = world.admin.principal.account_id
    with world.keys.write() as tx:
        tx.aliases.put(AliasRecord(account, REGION, alias, key_id, "2026-01-01", "2026-01-01"))


def test_a_key_is_located_by_every_name_with_its_required_policy(world: World) -> None:
    key_id = world.new_key()
    world.call(world.admin, "CreateAlias", AliasName="alias/app", TargetKeyId=key_id)
    arn = _arn(world, key_id)
    alias_arn = f"arn:aws:kms:{REGION}:{world.admin.principal.account_id}:alias/app"
    for reference in (key_id, arn, "alias/app", alias_arn):
        located = world.kms.keys.locate(world.admin, reference)
        assert (located.arn, located.policy_required) == (arn, True), reference
        assert located.policy is not None
        assert located.policy.policy_id == arn


@pytest.mark.parametrize(
    ("reference", "error", "message"),
    [
        ("1234abcd-12ab-34cd-56ef-1234567890ab", NotFoundError,
         "Key 'arn:aws:kms:us-east-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab'"
         " does not exist"),
        ("alias/none", NotFoundError, "Alias arn:aws:kms:us-east-1:{account}:alias/none is not"
         " found."),
        ("arn:aws:kms:us-east-1:{account}:alias/none", NotFoundError,
         "Alias arn:aws:kms:us-east-1:{account}:alias/none is not found."),
        ("arn:aws:kms:nowhere", InvalidArnError, "Invalid arn arn:aws:kms:nowhere"),
    ],
)  # fmt: skip
def test_what_names_no_key_is_answered_before_access(
    world: World, reference: str, error: type[Exception], message: str
) -> None:
    account = world.admin.principal.account_id
    # Answered to whoever asks, before any policy is read: as KMS answers them.
    with pytest.raises(error, match="^" + message.format(account=account).replace(".", r"\.")):
        world.kms.keys.locate(world.user, reference.format(account=account))


def test_key_policies_are_named_by_key_id_or_arn_only(world: World) -> None:
    key_id = world.new_key()
    world.call(world.admin, "CreateAlias", AliasName="alias/policy", TargetKeyId=key_id)
    assert world.kms.keys_by_id.locate(world.admin, key_id).arn == _arn(world, key_id)
    with pytest.raises(NotFoundError):
        world.kms.keys_by_id.locate(world.admin, "alias/policy")
    with pytest.raises(NotFoundError):
        world.call(world.admin, "GetKeyPolicy", KeyId="alias/policy")


def test_a_bare_key_id_names_the_callers_account_and_an_arn_leaves_it_to_the_policy(
    world: World,
) -> None:
    key_id = world.new_key()
    with pytest.raises(NotFoundError):
        world.kms.keys.locate(world.stranger, key_id)
    located = world.kms.keys.locate(world.stranger, _arn(world, key_id))
    assert located.arn == _arn(world, key_id)
    need = Need("kms:Encrypt", _arn(world, key_id), world.kms.keys)
    with pytest.raises(AccessDeniedError, match="kms:Encrypt on resource: arn:aws:kms"):
        world.authorizer.decide(world.stranger, need, AccessDeniedError)


def test_a_key_past_its_deletion_date_is_gone_on_first_sight(world: World) -> None:
    key_id = world.new_key()
    world.call(world.admin, "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays=7)
    assert world.kms.keys.locate(world.admin, key_id).arn == _arn(world, key_id)
    world.clock.advance(timedelta(days=7, seconds=1).total_seconds())
    with pytest.raises(NotFoundError):
        world.kms.keys.locate(world.admin, key_id)
    with world.keys.read() as tx:
        assert tx.keys.get(key_id) is None


def test_the_aws_lambda_alias_is_located_by_creating_its_key(world: World) -> None:
    located = world.kms.keys.locate(world.admin, "alias/aws/lambda")
    assert located.arn == world.kms.managed_key(world.admin.principal.account_id, REGION).arn


def test_the_handler_gets_the_key_authorized_even_when_the_alias_moves(world: World) -> None:
    first, second = world.new_key(), world.new_key()
    world.call(world.admin, "CreateAlias", AliasName="alias/moving", TargetKeyId=first)
    request = fresh(world.admin)
    assert world.kms.keys.locate(request, "alias/moving").arn == _arn(world, first)
    _point(world, "alias/moving", second)
    assert world.kms.keys.key(request, "alias/moving").key_id == first
    # Another request sees where the alias points now.
    assert world.kms.keys.key(fresh(world.admin), "alias/moving").key_id == second


def test_an_alias_re_pointed_after_authorization_is_not_deleted(world: World) -> None:
    first, second = world.new_key(), world.new_key()
    world.call(world.admin, "CreateAlias", AliasName="alias/kept", TargetKeyId=first)
    table = world.kms.table()
    request = fresh(world.admin)
    params = {"AliasName": "alias/kept"}
    for need in needs_of(table, request, "DeleteAlias", **params):
        world.authorizer.decide(request, need, AccessDeniedError)
    _point(world, "alias/kept", second)
    with pytest.raises(NotFoundError):
        table.operations["DeleteAlias"].handler(request, params)
    names = [a["AliasName"] for a in world.call(world.admin, "ListAliases")["Aliases"]]
    assert names == ["alias/kept"]
    call(table, world.authorizer, fresh(world.admin), "DeleteAlias", params)
    assert world.call(world.admin, "ListAliases")["Aliases"] == []


def test_a_ciphertext_names_its_key_and_the_key_id_given_must_be_that_key(world: World) -> None:
    one, two = world.new_key(), world.new_key()
    blob = world.call(world.admin, "Encrypt", KeyId=one, Plaintext=b"x")["CiphertextBlob"]
    finder = world.kms.finder
    assert CiphertextKeyScope(finder).locate(world.admin, one).arn == _arn(world, one)
    assert CiphertextKeyScope(finder, one).locate(world.admin, one).policy_required
    with pytest.raises(IncorrectKeyError):
        CiphertextKeyScope(finder, two).locate(world.admin, one)
    with pytest.raises(IncorrectKeyError):
        world.call(world.admin, "Decrypt", CiphertextBlob=blob, KeyId=two)
    with pytest.raises(NotFoundError, match="does not exist"):
        CiphertextKeyScope(finder).locate(world.admin, str(uuid.uuid4()))


def test_a_ciphertext_of_the_platforms_own_key_names_no_key(world: World) -> None:
    sealed = PlatformDataKeys(world.keys, world.kms.deps.cipher, world.clock)
    _, wrapped = sealed.generate_data_key({"purpose": "at-rest"})
    with pytest.raises(InvalidCiphertextError, match="names no key"):
        CiphertextKeyScope(world.kms.finder).locate(world.admin, PLATFORM_KEY_ID)
    with pytest.raises(InvalidCiphertextError):
        world.call(world.admin, "Decrypt", CiphertextBlob=wrapped,
                   EncryptionContext={"purpose": "at-rest"})  # fmt: skip


def test_an_alias_has_no_policy_and_must_exist_or_name_a_local_key(world: World) -> None:
    key_id = world.new_key()
    finder = world.kms.finder
    account = world.admin.principal.account_id
    new = AliasScope(finder, key_id).locate(world.admin, "alias/new")
    assert new.arn == f"arn:aws:kms:{REGION}:{account}:alias/new"
    assert (new.policy, new.policy_required) == (None, False)
    with pytest.raises(NotFoundError, match="is not found"):
        AliasScope(finder).locate(world.admin, "alias/new")
    # A key of another account cannot be given an alias here, whatever its policy says.
    foreign = world.call(world.stranger, "CreateKey")["KeyMetadata"]["Arn"]
    with pytest.raises(NotFoundError, match="does not exist"):
        AliasScope(finder, foreign).locate(world.admin, "alias/new")


def test_a_found_key_answers_for_itself_only(world: World) -> None:
    key = world.kms.finder.find(world.admin, world.new_key())
    grant = (
        '{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}'
    )
    located = FoundKey(key, grant).locate(world.admin, key.arn)
    assert (located.arn, located.policy_required) == (key.arn, True)
    assert located.policy is not None
    assert len(located.policy.document.statements) == 2  # the key policy's, and the grant
    with pytest.raises(InternalError):
        FoundKey(key).locate(world.admin, _arn(world, world.new_key()))
