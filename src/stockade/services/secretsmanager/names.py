"""Secret names and ARNs, and how a `SecretId` names a secret.

An ARN is `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>`. A
`SecretId` is the secret's name, its full ARN, or a partial ARN (the full one without the
random suffix), as the API reference for every `SecretId` member says.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from stockade import entropy
from stockade.services.secretsmanager.errors import ValidationError

_NAME = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
_SUFFIX_ALPHABET = string.ascii_letters + string.digits
SUFFIX_LENGTH = 6
_ARN = re.compile(r"arn:aws:secretsmanager:([a-z0-9-]+):([0-9]{12}):secret:(.+)")


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValidationError(
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of"
            " the following: -/_+=.@!"
        )
    return name


def new_arn(region: str, account: str, name: str) -> str:
    raw = entropy.token_bytes(SUFFIX_LENGTH)
    suffix = "".join(_SUFFIX_ALPHABET[b % len(_SUFFIX_ALPHABET)] for b in raw)
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-{suffix}"


def name_arn(region: str, account: str, name: str) -> str:
    """The partial ARN of a name (what IAM sees for a secret that does not exist)."""
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{name}"


@dataclass(frozen=True)
class SecretRef:
    """What a SecretId names: a name in the caller's account, or an ARN (full or partial)."""

    name: str | None = None
    arn: str | None = None
    account: str | None = None


def parse_secret_id(secret_id: str) -> SecretRef:
    match = _ARN.fullmatch(secret_id)
    if match is not None:
        return SecretRef(arn=secret_id, account=match[2])
    if secret_id.startswith("arn:"):
        return SecretRef(arn=secret_id)
    return SecretRef(name=secret_id)
