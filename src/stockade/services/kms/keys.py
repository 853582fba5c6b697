"""Finding keys: key ids, key ARNs, alias names and alias ARNs, and the AWS managed keys.

Keys are regional and belong to an account; a bare key id or alias name means the caller's
account in the request's region, an ARN may name another account (cross-account use is then
up to that key's policy). A key whose deletion date has passed is deleted on first sight.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from stockade.clock import Clock
from stockade.crypto import EnvelopeCipher
from stockade.services.context import RequestContext
from stockade.services.kms.errors import InvalidArnError, InvalidCiphertextError, NotFoundError
from stockade.services.kms.policies import service_key_policy
from stockade.store.key_ports import (
    AliasRecord,
    KeyManager,
    KeyRecord,
    KeyState,
    KeyStore,
    KeyTransaction,
    MaterialRecord,
)
from stockade.types import AccountId

MANAGED_SERVICES = frozenset({"lambda", "ssm", "secretsmanager"})
_ARN = re.compile(r"arn:aws:kms:([a-z0-9-]+):(\d{12}):(key|alias)/(.+)")


def key_arn(region: str, account: str, key_id: str) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def alias_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:kms:{region}:{account}:{name}"


def iso(instant: datetime) -> str:
    return instant.isoformat()


@dataclass(frozen=True)
class KeyRef:
    """What a `KeyId` parameter names."""

    account: AccountId
    region: str
    key_id: str | None = None
    alias: str | None = None

    def describe(self) -> str:
        if self.alias is not None:
            return f"Alias {alias_arn(self.region, self.account, self.alias)} is not found."
        return f"Key '{key_arn(self.region, self.account, self.key_id or '')}' does not exist"


def parse_ref(ctx: RequestContext, text: str, aliases: bool = True) -> KeyRef:
    if text.startswith("arn:"):
        match = _ARN.fullmatch(text)
        if match is None:
            raise InvalidArnError(f"Invalid arn {text[:300]}")
        region, account, kind, rest = match.groups()
        if kind == "alias":
            if not aliases:
                raise NotFoundError(f"Alias {text[:300]} is not found.")
            return KeyRef(AccountId(account), region, alias=f"alias/{rest}")
        return KeyRef(AccountId(account), region, key_id=rest)
    if text.startswith("alias/"):
        if not aliases:
            raise NotFoundError(
                f"Alias {alias_arn(ctx.region, ctx.principal.account_id, text)} is not found."
            )
        return KeyRef(ctx.principal.account_id, ctx.region, alias=text)
    return KeyRef(ctx.principal.account_id, ctx.region, key_id=text)


class KeyFinder:
    def __init__(self, store: KeyStore, cipher: EnvelopeCipher, clock: Clock) -> None:
        self._store = store
        self._cipher = cipher
        self._clock = clock

    def find(self, ctx: RequestContext, text: str, aliases: bool = True) -> KeyRecord:
        """The key named by `text`, or NotFoundException."""
        ref = parse_ref(ctx, text, aliases)
        # Read first: writing is needed only to create a managed key or drop an expired one.
        with self._store.read() as tx:
            key = self._find(tx, ref, repair=False)
        if key is None:
            with self._store.write() as tx:
                key = self._find(tx, ref, repair=True)
        if key is None:
            raise NotFoundError(ref.describe())
        return key

    def by_id(self, key_id: str) -> KeyRecord | None:
        with self._store.read() as tx:
            key = tx.keys.get(key_id)
            if key is None or not self._expired(key):
                return key
        with self._store.write() as tx:
            key = tx.keys.get(key_id)
            return None if key is None else self._unless_deleted(tx, key)

    def alias_exists(self, account: AccountId, region: str, name: str) -> bool:
        with self._store.read() as tx:
            return tx.aliases.get(account, region, name) is not None

    def of_ciphertext(self, ctx: RequestContext, key_id: str) -> KeyRecord:
        """The key a ciphertext's header names, in any account (its policy decides), or the
        error KMS gives for a ciphertext naming no key."""
        key = self.by_id(key_id)
        if key is None or not key.region:  # (the platform's own key is no account's)
            if _is_uuid(key_id):
                raise NotFoundError(
                    f"Key '{key_arn(ctx.region, ctx.principal.account_id, key_id)}' does not exist"
                )
            raise InvalidCiphertextError("The ciphertext names no key.")
        return key

    def _find(self, tx: KeyTransaction, ref: KeyRef, repair: bool) -> KeyRecord | None:
        key_id = ref.key_id
        if ref.alias is not None:
            alias = tx.aliases.get(ref.account, ref.region, ref.alias)
            if alias is None:
                service = ref.alias.removeprefix("alias/aws/")
                managed = ref.alias.startswith("alias/aws/") and service in MANAGED_SERVICES
                if managed and repair:
                    return self.create_managed(tx, ref.account, ref.region, service)
                return None
            key_id = alias.target_key_id
        key = None if key_id is None else tx.keys.get(key_id)
        if key is None or key.account_id != ref.account or key.region != ref.region:
            return None
        if not repair:
            return None if self._expired(key) else key
        return self._unless_deleted(tx, key)

    def _expired(self, key: KeyRecord) -> bool:
        now = iso(self._clock.now())
        return key.state is KeyState.PENDING_DELETION and (key.deletion_date or now) <= now

    def _unless_deleted(self, tx: KeyTransaction, key: KeyRecord) -> KeyRecord | None:
        if self._expired(key):
            tx.keys.delete(key.key_id)
            return None
        return key

    def managed_key(self, account: AccountId, region: str, service: str) -> KeyRecord:
        """The account's `aws/<service>` key, created on first use."""
        with self._store.write() as tx:
            alias = tx.aliases.get(account, region, f"alias/aws/{service}")
            key = None if alias is None else tx.keys.get(alias.target_key_id)
            return key or self.create_managed(tx, account, region, service)

    def create_managed(
        self, tx: KeyTransaction, account: AccountId, region: str, service: str
    ) -> KeyRecord:
        key = self.create(
            tx, account, region, f"Default key that protects my {service} data when no other"
            " key is defined", service_key_policy(account, service, region), KeyManager.AWS,
        )  # fmt: skip
        now = iso(self._clock.now())
        tx.aliases.put(AliasRecord(account, region, f"alias/aws/{service}", key.key_id, now, now))
        return key

    def create(
        self,
        tx: KeyTransaction,
        account: AccountId,
        region: str,
        description: str,
        key_policy: str,
        manager: KeyManager,
        tags: tuple[tuple[str, str], ...] = (),
    ) -> KeyRecord:
        now = self._clock.now()
        key_id = str(uuid.uuid4())
        managed = manager is KeyManager.AWS
        key = KeyRecord(
            account_id=account,
            key_id=key_id,
            arn=key_arn(region, account, key_id),
            region=region,
            description=description,
            manager=manager,
            state=KeyState.ENABLED,
            created=iso(now),
            policy=key_policy,
            current_version=1,
            # AWS managed keys rotate every year, always.
            rotation_enabled=managed,
            next_rotation=iso(now + timedelta(days=365)) if managed else None,
            tags=tags,
        )
        tx.keys.put(key)
        version = self._cipher.new_version(key_id, 1)
        tx.materials.put(MaterialRecord(key_id, 1, version.wrapped, iso(now)))
        return key


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False
