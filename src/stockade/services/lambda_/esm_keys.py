"""`KMSKeyArn` on Create/UpdateEventSourceMapping: which key the filter criteria go under.

A key given encrypts the criteria for the caller (`filter_encryption.seal`); "" removes the
key, and the criteria return to being kept like the mapping's other fields (the developer
guide: an empty --kms-key-arn makes Lambda stop using the customer key). An update that keeps
the key, the function and the criteria keeps the ciphertext; one that changes any of them
re-encrypts (the function is part of the encryption context), reading the current criteria
with the caller's own kms:Decrypt when the update does not give new ones. CreateEventSource-
Mapping and UpdateEventSourceMapping list no KMS* errors (botocore's model), so a key that
cannot be used is InvalidParameterValueException, naming KMS's exception and message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from stockade.domain.event_source_mapping import EventSourceMapping
from stockade.services.context import RequestContext
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import InvalidParameterValueError
from stockade.services.lambda_.filter_encryption import FilterKeyError, open_for_caller, seal

Parse = Callable[[Mapping[str, Any] | None], tuple[str, ...]]


def key_ref(given: str | None) -> str | None:
    return given or None


def with_key(
    deps: LambdaDeps, ctx: RequestContext, mapping: EventSourceMapping, ref: str | None
) -> EventSourceMapping:
    """`mapping`, whose `filters` are the plaintext criteria, kept under `ref` (None: none)."""
    if ref is None:
        return replace(mapping, kms_key_arn=None, sealed_filters=None)
    keys = deps.filter_keys
    if keys is None:
        raise InvalidParameterValueError("KMSKeyArn is not supported by this server.")
    try:
        sealed = seal(keys, ctx, ref, mapping.function_arn, mapping.event_source_arn,
                      mapping.filters)  # fmt: skip
    except FilterKeyError as error:
        raise InvalidParameterValueError(_unusable(error)) from error
    return replace(mapping, filters=(), kms_key_arn=sealed.key_arn,
                   sealed_filters=sealed.ciphertext_b64)  # fmt: skip


def rekeyed(
    deps: LambdaDeps,
    ctx: RequestContext,
    current: EventSourceMapping,
    changed: EventSourceMapping,
    request: Mapping[str, Any],
    parse: Parse,
) -> tuple[EventSourceMapping, tuple[str, ...] | None]:
    """`changed` with the criteria and key the update asks for, and the criteria to answer
    with (None: as stored, decrypted for the caller if under a key)."""
    given = "FilterCriteria" in request
    new_key = "KMSKeyArn" in request
    ref = key_ref(request["KMSKeyArn"]) if new_key else current.kms_key_arn
    if not given and not new_key and changed.function_arn == current.function_arn:
        return changed, None
    if given:
        filters = parse(request["FilterCriteria"])
    elif current.sealed_filters is None or deps.filter_keys is None:
        filters = current.filters
    else:
        try:
            filters = open_for_caller(deps.filter_keys, ctx, current)
        except FilterKeyError as error:
            raise InvalidParameterValueError(_unusable(error)) from error
    return with_key(deps, ctx, replace(changed, filters=filters), ref), filters


def _unusable(error: FilterKeyError) -> str:
    return (
        "Lambda was unable to use the KMS key to encrypt or decrypt the filter criteria."
        f" KMS Exception: {error.code} KMS Message: {error.message}"
    )
