"""SecureString values, as Parameter Store uses the key service for them.

Each value is encrypted under the parameter's key (its `KeyId`, or the account's AWS managed
`aws/ssm` key) with the encryption context {"PARAMETER_ARN": <the parameter's ARN>} ("How AWS
Systems Manager Parameter Store uses AWS KMS"): a standard parameter's value with kms:Encrypt,
an advanced one's under a data key from kms:GenerateDataKey (values reach 8 KB; Encrypt takes
4 KB). Reading it with WithDecryption needs kms:Decrypt, through Parameter Store, as the caller.
Errors are Parameter Store's own (`InvalidKeyId`, `AccessDeniedException`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from stockade.services.context import RequestContext

CONTEXT_KEY = "PARAMETER_ARN"
MANAGED_KEY_ALIAS = "alias/aws/ssm"


@dataclass(frozen=True)
class Sealed:
    key_id: str  # as the caller named it, or alias/aws/ssm
    key_arn: str
    ciphertext: str = field(repr=False)  # base64


class SecureValues(Protocol):
    def seal(
        self,
        ctx: RequestContext,
        key_ref: str | None,
        parameter_arn: str,
        value: str,
        envelope: bool,
    ) -> Sealed:
        """Encrypt `value` (`envelope`: under a data key, for advanced parameters)."""
        ...

    def open(self, ctx: RequestContext, parameter_arn: str, ciphertext: str, envelope: bool) -> str:
        """The value, decrypted for the caller."""
        ...
