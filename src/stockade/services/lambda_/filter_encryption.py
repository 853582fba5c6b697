"""Filter criteria of an event source mapping encrypted under the caller's key (`KMSKeyArn`).

As Lambda documents it (developer guide, invocation-eventfiltering, "Encrypting filter
criteria"): the criteria are encrypted with the encryption context
{"aws:lambda:FunctionArn": <function>, "aws:lambda:EventSourceArn": <queue>}; creating or
updating with a key needs the caller to be allowed kms:DescribeKey and kms:GenerateDataKey
through Lambda (kms:ViaService), seeing them in plaintext (Get, Update, Delete) needs
kms:Decrypt, and ListEventSourceMappings never shows them. Lambda's pollers decrypt as the
Regional Lambda service principal, which the key policy must allow kms:Decrypt (its
`aws:SourceArn` is the mapping's ARN). A caller who may not decrypt sees `FilterCriteriaError`
with the KMS exception's code and message instead. Without a key, the criteria are kept like
every other mapping field (the platform's own encryption of the data dir).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from stockade.domain.event_source_mapping import EventSourceMapping
from stockade.services.context import RequestContext

FUNCTION_KEY = "aws:lambda:FunctionArn"
SOURCE_KEY = "aws:lambda:EventSourceArn"


class FilterKeyError(Exception):
    """A KMS exception met while using a mapping's key: its code (e.g. `DisabledException`)
    and message, as `FilterCriteriaError` reports them. Carries no plaintext."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


class FilterKeys(Protocol):
    """The key service as Lambda uses it for filter criteria (raises `FilterKeyError`)."""

    def seal(
        self, ctx: RequestContext, key_ref: str, context: dict[str, str], plaintext: bytes
    ) -> tuple[str, bytes]:
        """(key ARN, ciphertext), for the caller through Lambda."""
        ...

    def open_for_caller(
        self, ctx: RequestContext, key_ref: str, context: dict[str, str], blob: bytes
    ) -> bytes: ...

    def open_as_lambda(
        self, account_id: str, source_arn: str, key_ref: str, context: dict[str, str], blob: bytes
    ) -> bytes: ...

    def check_usable(self, blob: bytes) -> None:
        """The key the ciphertext names exists and is enabled (its state only)."""
        ...


@dataclass(frozen=True)
class Sealed:
    key_arn: str
    ciphertext_b64: str | None  # None: no filters (the key was still proven usable)


def context_of(function_arn: str, source_arn: str) -> dict[str, str]:
    return {FUNCTION_KEY: function_arn, SOURCE_KEY: source_arn}


def seal(
    keys: FilterKeys,
    ctx: RequestContext,
    key_ref: str,
    function_arn: str,
    source_arn: str,
    filters: Sequence[str],
) -> Sealed:
    """Encrypt the patterns (with none, encrypting nothing still proves the caller may use
    the key, as Lambda checks it when the key is set)."""
    plaintext = json.dumps(list(filters), separators=(",", ":")).encode()
    arn, blob = keys.seal(ctx, key_ref, context_of(function_arn, source_arn), plaintext)
    return Sealed(arn, base64.b64encode(blob).decode() if filters else None)


def open_for_caller(
    keys: FilterKeys, ctx: RequestContext, mapping: EventSourceMapping
) -> tuple[str, ...]:
    """The patterns, decrypted for the caller (raises `FilterKeyError`)."""
    if mapping.sealed_filters is None or mapping.kms_key_arn is None:
        return mapping.filters
    context = context_of(mapping.function_arn, mapping.event_source_arn)
    blob = base64.b64decode(mapping.sealed_filters)
    return _patterns(keys.open_for_caller(ctx, mapping.kms_key_arn, context, blob))


def open_for_poller(
    keys: FilterKeys, mapping: EventSourceMapping, mapping_arn: str
) -> tuple[str, ...]:
    """The patterns, decrypted by Lambda itself (raises `FilterKeyError`)."""
    if mapping.sealed_filters is None or mapping.kms_key_arn is None:
        return mapping.filters
    context = context_of(mapping.function_arn, mapping.event_source_arn)
    blob = base64.b64decode(mapping.sealed_filters)
    plaintext = keys.open_as_lambda(
        mapping.account_id, mapping_arn, mapping.kms_key_arn, context, blob
    )
    return _patterns(plaintext)


def check_for_poller(keys: FilterKeys, mapping: EventSourceMapping) -> None:
    """Raises `FilterKeyError` if the mapping's key is gone, disabled or pending deletion."""
    if mapping.sealed_filters is not None:
        keys.check_usable(base64.b64decode(mapping.sealed_filters))


def shown(
    keys: FilterKeys | None, ctx: RequestContext, mapping: EventSourceMapping
) -> dict[str, Any]:
    """`FilterCriteria` (or `FilterCriteriaError`) as Get, Update and Delete answer it."""
    try:
        filters = mapping.filters if keys is None else open_for_caller(keys, ctx, mapping)
    except FilterKeyError as error:
        return {"FilterCriteriaError": {"ErrorCode": error.code, "Message": error.message}}
    return criteria(filters)


def criteria(filters: Sequence[str]) -> dict[str, Any]:
    if not filters:
        return {}
    return {"FilterCriteria": {"Filters": [{"Pattern": p} for p in filters]}}


def _patterns(plaintext: bytes) -> tuple[str, ...]:
    found = json.loads(plaintext)
    return tuple(str(p) for p in found)
