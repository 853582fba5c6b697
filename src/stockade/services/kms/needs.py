"""What each KMS operation needs to be allowed; the kernel decides, no handler authorizes.

An operation on a key needs its action on the key through the key's required policy (`KeyScope`),
with `kms:CallerAccount`; cryptographic operations add the encryption context
(`kms:EncryptionContext:<key>`, `kms:EncryptionContextKeys`). Decrypt and ReEncrypt find the
key from the ciphertext (`CiphertextKeyScope`). CreateKey, ListKeys and ListAliases name no key:
IAM policies on "*". CreateAlias and DeleteAlias need the action on the alias (IAM policies) and
on its key (the key policy), as AWS's "Controlling access to aliases" says. Requests that cannot
name a key (a malformed alias name or ciphertext) are refused here, before access is decided,
as KMS answers them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Required, TypedDict

from typing_extensions import ReadOnly

from stockade.services.context import RequestContext
from stockade.services.declaration import Need
from stockade.services.kms.aliases import checked_alias_name
from stockade.services.kms.key_use import ciphertext_of, header_of
from stockade.services.kms.keys import KeyFinder
from stockade.services.kms.policies import request_keys
from stockade.services.kms.scopes import AliasScope, CiphertextKeyScope, KeyScope
from stockade.shapes import kms as shapes


class NamesKey(TypedDict):
    """A request that names one key in `KeyId` (DescribeKey, EnableKey, ...)."""

    KeyId: ReadOnly[str]


class UsesKey(TypedDict, total=False):
    """A request that uses one key named in `KeyId` with an encryption context (Encrypt, ...)."""

    KeyId: ReadOnly[Required[str]]
    EncryptionContext: ReadOnly[Mapping[str, str]]


def on_nothing(action: str) -> Callable[[RequestContext, object], Sequence[Need]]:
    """An operation on no key (CreateKey, ListKeys, ListAliases): IAM policies on "*"."""

    def needs(ctx: RequestContext, request: object) -> Sequence[Need]:
        return [Need(action, "*", None, request_keys(ctx))]

    return needs


def on_key(action: str, keys: KeyScope) -> Callable[[RequestContext, NamesKey], Sequence[Need]]:
    """`action` on the key `KeyId` names."""

    def needs(ctx: RequestContext, request: NamesKey) -> Sequence[Need]:
        return [Need(action, request["KeyId"], keys, request_keys(ctx))]

    return needs


def using_key(action: str, keys: KeyScope) -> Callable[[RequestContext, UsesKey], Sequence[Need]]:
    """`action` on the key `KeyId` names, with the request's encryption context."""

    def needs(ctx: RequestContext, request: UsesKey) -> Sequence[Need]:
        context = request_keys(ctx, request.get("EncryptionContext"))
        return [Need(action, request["KeyId"], keys, context)]

    return needs


class KmsNeeds:
    """The needs that look further than one `KeyId`."""

    def __init__(self, finder: KeyFinder, keys: KeyScope, keys_by_id: KeyScope) -> None:
        self._finder = finder
        self._keys = keys
        self._keys_by_id = keys_by_id

    def decrypt(self, ctx: RequestContext, request: shapes.DecryptRequest) -> Sequence[Need]:
        header = header_of(ciphertext_of(request.get("CiphertextBlob")))
        scope = CiphertextKeyScope(self._finder, request.get("KeyId"))
        context = request_keys(ctx, request.get("EncryptionContext"))
        return [Need("kms:Decrypt", header.key_id, scope, context)]

    def re_encrypt(self, ctx: RequestContext, request: shapes.ReEncryptRequest) -> Sequence[Need]:
        header = header_of(ciphertext_of(request.get("CiphertextBlob")))
        source = CiphertextKeyScope(self._finder, request.get("SourceKeyId"))
        return [
            Need("kms:ReEncryptFrom", header.key_id, source,
                 request_keys(ctx, request.get("SourceEncryptionContext"))),
            Need("kms:ReEncryptTo", request["DestinationKeyId"], self._keys,
                 request_keys(ctx, request.get("DestinationEncryptionContext"))),
        ]  # fmt: skip

    def create_alias(
        self, ctx: RequestContext, request: shapes.CreateAliasRequest
    ) -> Sequence[Need]:
        name = checked_alias_name(request["AliasName"])
        target = request["TargetKeyId"]
        return [
            Need("kms:CreateAlias", name, AliasScope(self._finder, target), request_keys(ctx)),
            Need("kms:CreateAlias", target, self._keys_by_id, request_keys(ctx)),
        ]

    def delete_alias(
        self, ctx: RequestContext, request: shapes.DeleteAliasRequest
    ) -> Sequence[Need]:
        name = checked_alias_name(request["AliasName"])
        return [
            Need("kms:DeleteAlias", name, AliasScope(self._finder), request_keys(ctx)),
            Need("kms:DeleteAlias", name, self._keys, request_keys(ctx)),  # through the alias
        ]
