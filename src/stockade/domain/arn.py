"""Amazon Resource Names: parsing, formatting, and the Lambda names that may stand for one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stockade.domain.errors import InvalidArnError
from stockade.types import AccountId, Region

PARTITION = "aws"
LATEST = "$LATEST"

_ACCOUNT = re.compile(r"\d{12}")
# A function name as Lambda accepts it in FunctionName: a bare name, `name:qualifier`,
# a partial ARN `123456789012:function:name[:qualifier]` or a full ARN.
_FULL_FUNCTION_ARN = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"function:(?P<name>[a-zA-Z0-9_-]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)
_PARTIAL_FUNCTION_ARN = re.compile(
    r"(?P<account>\d{12}):function:(?P<name>[a-zA-Z0-9_-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)
_BARE_FUNCTION_NAME = re.compile(
    r"(?P<name>[a-zA-Z0-9_-]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)
_LAYER_ARN = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"layer:(?P<name>[a-zA-Z0-9_-]+)(?::(?P<version>[0-9]+))?"
)


@dataclass(frozen=True)
class Arn:
    """A generic ARN: `arn:partition:service:region:account:resource`."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
            raise InvalidArnError(f"Not a valid ARN: {text[:200]}")
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


@dataclass(frozen=True)
class FunctionRef:
    """Which function (and maybe which version or alias) a FunctionName parameter names."""

    account_id: AccountId
    name: str
    qualifier: str | None
    region: Region | None  # only when the caller gave a full ARN


def parse_function_name(text: str, default_account: AccountId) -> FunctionRef:
    """Resolve a FunctionName parameter in any form Lambda accepts."""
    if m := _FULL_FUNCTION_ARN.fullmatch(text):
        return FunctionRef(AccountId(m["account"]), m["name"], m["qualifier"], Region(m["region"]))
    if m := _PARTIAL_FUNCTION_ARN.fullmatch(text):
        return FunctionRef(AccountId(m["account"]), m["name"], m["qualifier"], None)
    if m := _BARE_FUNCTION_NAME.fullmatch(text):
        return FunctionRef(default_account, m["name"], m["qualifier"], None)
    raise InvalidArnError(f"Invalid function name: {text[:200]}")


@dataclass(frozen=True)
class LayerRef:
    """A layer (and maybe one of its versions) named by ARN or by bare name."""

    account_id: AccountId
    name: str
    version: int | None
    region: Region | None


def parse_layer_name(text: str, default_account: AccountId) -> LayerRef:
    """Resolve a LayerName parameter (bare name or layer ARN)."""
    if m := _LAYER_ARN.fullmatch(text):
        version = int(m["version"]) if m["version"] else None
        return LayerRef(AccountId(m["account"]), m["name"], version, Region(m["region"]))
    if re.fullmatch(r"[a-zA-Z0-9_-]+", text):
        return LayerRef(default_account, text, None, None)
    raise InvalidArnError(f"Invalid layer name: {text[:200]}")


def is_account_id(text: str) -> bool:
    return _ACCOUNT.fullmatch(text) is not None


def function_arn(region: str, account: str, name: str, qualifier: str | None = None) -> str:
    base = f"arn:{PARTITION}:lambda:{region}:{account}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def layer_arn(region: str, account: str, name: str, version: int | None = None) -> str:
    base = f"arn:{PARTITION}:lambda:{region}:{account}:layer:{name}"
    return f"{base}:{version}" if version is not None else base


def iam_arn(account: str, resource: str) -> str:
    return f"arn:{PARTITION}:iam::{account}:{resource}"
