"""The KMS service: the operation table for the AWS JSON endpoint, and what other services
and the composition root use (`keys` for Lambda's env-var encryption, `maintain` for the
rotation and deletion schedule, `platform_data_keys` for the store's `Sealer`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from stockade.clock import Clock
from stockade.crypto import EnvelopeCipher
from stockade.services.context import RequestContext
from stockade.services.kms.admin import KeyAdmin
from stockade.services.kms.aliases import Aliases
from stockade.services.kms.cryptographic import KeyUse
from stockade.services.kms.deps import KmsDeps
from stockade.services.kms.keys import KeyFinder, iso
from stockade.services.kms.policies import KeyPolicyAuthorizer
from stockade.store.key_ports import KeyRecord, KeyStore
from stockade.types import AccountId

Operation = Callable[[RequestContext, Any], Any]


class KmsService:
    def __init__(
        self,
        store: KeyStore,
        cipher: EnvelopeCipher,
        clock: Clock,
        authorizer: KeyPolicyAuthorizer,
    ) -> None:
        self.deps = KmsDeps(store, cipher, clock, authorizer, KeyFinder(store, cipher, clock))
        self.admin = KeyAdmin(self.deps)
        self.aliases = Aliases(self.deps)
        self.keys = KeyUse(self.deps)

    def operations(self) -> Mapping[str, Operation]:
        admin, aliases, keys = self.admin, self.aliases, self.keys
        return {
            "CreateKey": admin.create_key,
            "DescribeKey": admin.describe_key,
            "ListKeys": admin.list_keys,
            "EnableKey": admin.enable_key,
            "DisableKey": admin.disable_key,
            "ScheduleKeyDeletion": admin.schedule_key_deletion,
            "CancelKeyDeletion": admin.cancel_key_deletion,
            "EnableKeyRotation": admin.enable_key_rotation,
            "DisableKeyRotation": admin.disable_key_rotation,
            "GetKeyRotationStatus": admin.get_key_rotation_status,
            "RotateKeyOnDemand": admin.rotate_key_on_demand,
            "GetKeyPolicy": admin.get_key_policy,
            "PutKeyPolicy": admin.put_key_policy,
            "CreateAlias": aliases.create_alias,
            "DeleteAlias": aliases.delete_alias,
            "ListAliases": aliases.list_aliases,
            "Encrypt": keys.encrypt_op,
            "Decrypt": keys.decrypt_op,
            "GenerateDataKey": keys.generate_data_key_op,
            "GenerateDataKeyWithoutPlaintext": keys.generate_data_key_without_plaintext_op,
            "ReEncrypt": keys.re_encrypt_op,
        }

    def managed_key(self, account: AccountId, region: str, service: str = "lambda") -> KeyRecord:
        """The account's `aws/<service>` key (created on first use)."""
        return self.deps.finder.managed_key(account, region, service)

    def maintain(self, now: datetime | None = None) -> tuple[int, int]:
        """Rotate keys whose rotation is due and delete keys whose waiting period is over.
        Returns (rotated, deleted). Call it periodically (e.g. hourly)."""
        instant = iso(now or self.deps.clock.now())
        with self.deps.store.read() as tx:
            rotate = [k.key_id for k in tx.keys.due_for_rotation(instant)]
            delete = [k.key_id for k in tx.keys.due_for_deletion(instant)]
        for key_id in rotate:
            self.admin.rotate(key_id)
        with self.deps.store.write() as tx:
            for key_id in delete:
                tx.keys.delete(key_id)
        return len(rotate), len(delete)
