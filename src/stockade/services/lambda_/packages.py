"""Accept a deployment package: inspect it safely, enforce quotas, store it by content."""

from __future__ import annotations

from stockade.domain import limits
from stockade.domain.archive import ArchiveLimits, inspect_archive
from stockade.domain.errors import ArchiveError
from stockade.domain.function import Code
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    CodeStorageExceededError,
    InvalidParameterValueError,
    RequestEntityTooLargeError,
)
from stockade.store.ports import Transaction
from stockade.types import AccountId


def store_package(deps: LambdaDeps, data: bytes, layers_unzipped: int = 0) -> Code:
    """Inspect `data` and store it; runs before the transaction that will reference it, so the
    artifact is durable first (an unreferenced artifact is garbage-collected later)."""
    if len(data) > limits.ZIPPED_BYTES_MAX:  # 413, as Lambda answers (recorded AWS response)
        raise RequestEntityTooLargeError(
            f"Zipped size must be smaller than {limits.ZIPPED_BYTES_MAX} bytes"
        )
    budget = limits.UNZIPPED_BYTES_MAX - layers_unzipped
    try:
        manifest = inspect_archive(data, ArchiveLimits(max_unzipped_bytes=budget))
    except ArchiveError as exc:
        if layers_unzipped and "Unzipped size" in str(exc):
            raise InvalidParameterValueError(
                "Function code combined with layers exceeds the maximum allowed size of"
                f" {limits.UNZIPPED_BYTES_MAX} bytes."
            ) from exc
        raise InvalidParameterValueError(str(exc)) from exc
    return Code(deps.artifacts.put(data), len(data), manifest.unzipped_size)


def check_storage_quota(tx: Transaction, account: AccountId, added: Code) -> None:
    used = tx.versions.total_code_size(account) + tx.layers.total_code_size(account)
    if used + added.size > limits.TOTAL_CODE_BYTES_MAX:
        raise CodeStorageExceededError("Code storage limit exceeded.")
