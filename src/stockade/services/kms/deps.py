"""What the KMS use cases share: the key store, the cipher, the clock and the key finder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stockade.clock import Clock
from stockade.crypto import EnvelopeCipher, KeyVersion
from stockade.errors import InternalError
from stockade.services.kms.keys import KeyFinder
from stockade.shapes import kms as shapes
from stockade.store.key_ports import KeyRecord, KeyState, KeyStore


@dataclass(frozen=True)
class KmsDeps:
    store: KeyStore
    cipher: EnvelopeCipher
    clock: Clock
    finder: KeyFinder

    def version(self, key: KeyRecord, number: int | None = None) -> KeyVersion:
        wanted = key.current_version if number is None else number
        with self.store.read() as tx:
            material = tx.materials.get(key.key_id, wanted)
        if material is None:
            raise InternalError(f"key material {key.key_id} v{wanted} is missing")
        return KeyVersion(key.key_id, material.version, material.wrapped)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def metadata(key: KeyRecord) -> shapes.KeyMetadata:
    """KMS's KeyMetadata shape."""
    found: shapes.KeyMetadata = {
        "AWSAccountId": key.account_id,
        "KeyId": key.key_id,
        "Arn": key.arn,
        "CreationDate": when(key.created),
        "Enabled": key.state is KeyState.ENABLED,
        "Description": key.description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": key.state.value,
        "Origin": "AWS_KMS",
        "KeyManager": key.manager.value,
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    if key.deletion_date is not None:
        return {**found, "DeletionDate": when(key.deletion_date)}
    return found
