"""The key service, as Secrets Manager uses it: each version's value is sealed under a fresh
data key from the secret's KMS key (GenerateDataKey through Secrets Manager) and opened by
decrypting that data key (Decrypt through Secrets Manager), with the encryption context
{"SecretARN": <arn>, "SecretVersionId": <version id>} ("How AWS Secrets Manager uses AWS KMS",
Secrets Manager User Guide). Errors are Secrets Manager's (`DecryptionFailure`,
`EncryptionFailure`, `AccessDeniedException`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from stockade.services.context import RequestContext

MANAGED_ALIAS = "alias/aws/secretsmanager"


def encryption_context(secret_arn: str, version_id: str) -> dict[str, str]:
    return {"SecretARN": secret_arn, "SecretVersionId": version_id}


@dataclass(frozen=True)
class Sealed:
    key_arn: str
    data_key_b64: str
    ciphertext_b64: str = field(repr=False)


class SecretKeys(Protocol):
    def seal(
        self,
        ctx: RequestContext,
        key_ref: str | None,
        secret_arn: str,
        version_id: str,
        plaintext: bytes,
    ) -> Sealed:
        """`plaintext` sealed under a new data key of `key_ref` (None: aws/secretsmanager)."""
        ...

    def open(self, ctx: RequestContext, secret_arn: str, version_id: str, sealed: Sealed) -> bytes:
        """The value `seal` sealed, as the caller (who must be allowed to decrypt)."""
        ...
