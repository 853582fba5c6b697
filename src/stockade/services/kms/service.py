"""The KMS service: its operation table for the kernel, and what other services and the
composition root use (`keys`, `finder` and `managed_key` for Lambda's environment variables,
`maintain` for the rotation and deletion schedule).

Every operation is declared with what it needs (`needs`); the kernel authorizes before any
handler runs. Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and ReEncrypt are read-only
management events in CloudTrail, as Describe*, Get* and List* are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stockade.clock import Clock
from stockade.crypto import EnvelopeCipher
from stockade.services.declaration import (
    READ,
    WRITE,
    Operation,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.kms.admin import KeyAdmin
from stockade.services.kms.aliases import Aliases
from stockade.services.kms.cryptographic import Cryptographic
from stockade.services.kms.deps import KmsDeps
from stockade.services.kms.errors import AccessDeniedError, KmsInternalError, ValidationError
from stockade.services.kms.key_use import KeyUse
from stockade.services.kms.keys import KeyFinder, iso
from stockade.services.kms.needs import KmsNeeds, on_key, on_nothing, using_key
from stockade.services.kms.scopes import KeyScope
from stockade.services.kms.tags import KeyTags, create_key_needs, own_key
from stockade.store.key_ports import KeyRecord, KeyStore
from stockade.types import AccountId

ERRORS = ServiceErrors(AccessDeniedError, ValidationError, KmsInternalError)


class KmsService:
    def __init__(self, store: KeyStore, cipher: EnvelopeCipher, clock: Clock) -> None:
        finder = KeyFinder(store, cipher, clock)
        self.deps = KmsDeps(store, cipher, clock, finder)
        self.finder = finder
        # Keys by key id, key ARN, alias name or alias ARN; and by key id or key ARN only.
        self.keys = KeyScope(finder)
        self.keys_by_id = KeyScope(finder, aliases=False)
        self.key_use = KeyUse(self.deps)
        self.admin = KeyAdmin(self.deps, self.keys, self.keys_by_id)
        self.aliases = Aliases(self.deps, self.keys, self.keys_by_id)
        self.cryptographic = Cryptographic(self.deps, self.keys)
        self.tags = KeyTags(self.deps, self.keys_by_id)
        self._needs = KmsNeeds(finder, self.keys, self.keys_by_id)

    def table(self) -> ServiceTable:
        admin, aliases, crypto, needs = self.admin, self.aliases, self.cryptographic, self._needs
        keys, by_id = self.keys, self.keys_by_id
        return ServiceTable.of(
            "kms",
            [
                operation("CreateKey", admin.create_key, create_key_needs, WRITE),
                operation("DescribeKey", admin.describe_key, on_key("kms:DescribeKey", keys),
                          READ),
                operation("ListKeys", admin.list_keys, on_nothing("kms:ListKeys"), READ),
                operation("EnableKey", admin.enable_key, on_key("kms:EnableKey", keys), WRITE),
                operation("DisableKey", admin.disable_key, on_key("kms:DisableKey", keys), WRITE),
                operation("ScheduleKeyDeletion", admin.schedule_key_deletion,
                          on_key("kms:ScheduleKeyDeletion", keys), WRITE),
                operation("CancelKeyDeletion", admin.cancel_key_deletion,
                          on_key("kms:CancelKeyDeletion", keys), WRITE),
                operation("EnableKeyRotation", admin.enable_key_rotation,
                          on_key("kms:EnableKeyRotation", keys), WRITE),
                operation("DisableKeyRotation", admin.disable_key_rotation,
                          on_key("kms:DisableKeyRotation", keys), WRITE),
                operation("GetKeyRotationStatus", admin.get_key_rotation_status,
                          on_key("kms:GetKeyRotationStatus", keys), READ),
                operation("RotateKeyOnDemand", admin.rotate_key_on_demand,
                          on_key("kms:RotateKeyOnDemand", keys), WRITE),
                operation("GetKeyPolicy", admin.get_key_policy,
                          on_key("kms:GetKeyPolicy", by_id), READ),
                operation("PutKeyPolicy", admin.put_key_policy,
                          on_key("kms:PutKeyPolicy", by_id), WRITE),
                operation("CreateAlias", aliases.create_alias, needs.create_alias, WRITE),
                operation("DeleteAlias", aliases.delete_alias, needs.delete_alias, WRITE),
                operation("ListAliases", aliases.list_aliases, on_nothing("kms:ListAliases"),
                          READ),
                operation("Encrypt", crypto.encrypt, using_key("kms:Encrypt", keys), READ),
                operation("Decrypt", crypto.decrypt, needs.decrypt, READ),
                operation("GenerateDataKey", crypto.generate_data_key,
                          using_key("kms:GenerateDataKey", keys), READ),
                operation("GenerateDataKeyWithoutPlaintext",
                          crypto.generate_data_key_without_plaintext,
                          using_key("kms:GenerateDataKeyWithoutPlaintext", keys), READ),
                operation("ReEncrypt", crypto.re_encrypt, needs.re_encrypt, READ),
                *self._tag_operations(),
            ],
            ERRORS,
        )  # fmt: skip

    def _tag_operations(self) -> list[Operation[Any]]:
        tags, by_id = self.tags, self.keys_by_id
        return [
            operation("TagResource", tags.tag_resource, own_key("kms:TagResource", by_id), WRITE),
            operation("UntagResource", tags.untag_resource, own_key("kms:UntagResource", by_id),
                      WRITE),
            operation("ListResourceTags", tags.list_resource_tags,
                      own_key("kms:ListResourceTags", by_id), READ),
            operation("ListKeyPolicies", tags.list_key_policies,
                      own_key("kms:ListKeyPolicies", by_id), READ),
        ]  # fmt: skip

    def managed_key(self, account: AccountId, region: str, service: str = "lambda") -> KeyRecord:
        """The account's `aws/<service>` key (created on first use)."""
        return self.finder.managed_key(account, region, service)

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
