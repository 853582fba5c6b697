"""The KMS API subset (AWS JSON 1.1): symmetric keys, aliases, envelope encryption, rotation,
deletion and key policies, on `stockade.crypto` and a key store (`store.key_ports`)."""

from __future__ import annotations

from stockade.services.kms.service import KmsService

__all__ = ["KmsService"]
