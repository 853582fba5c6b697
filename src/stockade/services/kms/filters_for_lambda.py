"""The key service as Lambda uses it for event source mappings' filter criteria.

Implements `services.lambda_.filter_encryption.FilterKeys` on the machinery Lambda's use of
keys for environment variables already has (`LambdaEnvironmentKeys`: the kernel's decisions
against the key policy with kms:ViaService, the encryption context, KMS audit records invoked
by Lambda). Creating or updating with a key needs kms:DescribeKey and kms:GenerateDataKey (the
developer guide's list for filter criteria); KMS exceptions become `FilterKeyError`s carrying
KMS's own code and message, which is what `FilterCriteriaError` reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from stockade.services.context import RequestContext
from stockade.services.kms import errors as kms
from stockade.services.kms.for_lambda import LambdaEnvironmentKeys
from stockade.services.kms.key_use import header_of
from stockade.services.kms.states import require_usable
from stockade.services.lambda_.filter_encryption import FilterKeyError

_SEAL = ("DescribeKey", "GenerateDataKey")


class LambdaFilterKeys:
    def __init__(self, keys: LambdaEnvironmentKeys) -> None:
        self._keys = keys

    def seal(
        self, ctx: RequestContext, key_ref: str, context: dict[str, str], plaintext: bytes
    ) -> tuple[str, bytes]:
        with _as_filter_error():
            return self._keys.seal(ctx, key_ref, context, plaintext, _SEAL)

    def open_for_caller(
        self, ctx: RequestContext, key_ref: str, context: dict[str, str], blob: bytes
    ) -> bytes:
        with _as_filter_error():
            return self._keys.open_for_caller(ctx, key_ref, context, blob)

    def check_usable(self, blob: bytes) -> None:
        """Whether the key the ciphertext names is there and enabled (a read of its state: no
        KMS request, so no audit record)."""
        with _as_filter_error():
            key = self._keys.service.finder.by_id(header_of(blob).key_id)
            if key is None:
                raise kms.NotFoundError("The key of the filter criteria does not exist.")
            require_usable(key)

    def open_as_lambda(
        self, account_id: str, source_arn: str, key_ref: str, context: dict[str, str], blob: bytes
    ) -> bytes:
        with _as_filter_error():
            return self._keys.open_as_lambda(account_id, source_arn, key_ref, context, blob)


@contextmanager
def _as_filter_error() -> Iterator[None]:
    try:
        yield
    except kms.KmsError as error:
        raise FilterKeyError(error.code, error.message) from error
