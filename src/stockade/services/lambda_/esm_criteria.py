"""A poller's view of filter criteria kept under a customer key (`KMSKeyArn`).

Lambda reads them as its own Regional service principal, for the mapping's ARN (the key
policy must allow it; developer guide, "Encrypting filter criteria"). The poller decrypts them
when it starts and again every `KEY_REFRESH_S` (each a kms:Decrypt with its audit record), and
in between looks at the key's state every `KEY_CHECK_S` (no KMS request): disabling the key or
scheduling its deletion stops delivery within seconds, a key policy that stops allowing Lambda
within `KEY_REFRESH_S`. While it cannot decrypt, the poller receives nothing (the messages wait
in the queue, none is dropped unfiltered), tries again every `KEY_RETRY_S`, and the mapping's
LastProcessingResult says why; AWS documents no wording for this, so it names the KMS
exception as `FilterCriteriaError` does, and reads "OK" again once the key works.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

from stockade.domain.event_pattern import EventPattern, parse_pattern
from stockade.domain.event_source_mapping import EventSourceMapping, mapping_arn
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.filter_encryption import (
    FilterKeyError,
    check_for_poller,
    open_for_poller,
)

LOG = logging.getLogger(__name__)
KEY_CHECK_S = 1.0
KEY_REFRESH_S = 60.0
KEY_RETRY_S = 1.0
OK = "OK"


def problem(error: FilterKeyError) -> str:
    return (
        "PROBLEM: Lambda could not decrypt the filter criteria with the KMS key."
        f" KMS Exception: {error.code} KMS Message: {error.message}"
    )


class SealedCriteria:
    def __init__(self, deps: LambdaDeps, mapping: EventSourceMapping) -> None:
        self._deps = deps
        self._mapping = mapping
        self._arn = mapping_arn(deps.region, mapping.account_id, mapping.uuid)
        self._opened_at: float | None = None  # when last decrypted (None: not, or failed)
        self._tried_at: float | None = None  # when last decrypted or checked
        self._patterns: tuple[EventPattern, ...] | None = None

    async def patterns(self) -> tuple[EventPattern, ...] | None:
        """The patterns to filter with (None: the key cannot be used right now)."""
        mapping = self._mapping
        keys = self._deps.filter_keys
        if mapping.sealed_filters is None or keys is None:
            return tuple(parse_pattern(p) for p in mapping.filters)
        now = time.monotonic()
        since_try = None if self._tried_at is None else now - self._tried_at
        if self._opened_at is not None and now - self._opened_at < KEY_REFRESH_S:
            if since_try is not None and since_try < KEY_CHECK_S:
                return self._patterns
            self._tried_at = now
            if await asyncio.to_thread(self._still_usable):
                return self._patterns
            return None
        if self._opened_at is None and since_try is not None and since_try < KEY_RETRY_S:
            return None
        self._tried_at = now
        self._patterns = await asyncio.to_thread(self._open)
        self._opened_at = None if self._patterns is None else now
        return self._patterns

    def _still_usable(self) -> bool:
        keys = self._deps.filter_keys
        if keys is None:  # (checked by the caller)
            return False
        try:
            check_for_poller(keys, self._mapping)
        except FilterKeyError as error:
            self._failed(error)
            return False
        return True

    def _open(self) -> tuple[EventPattern, ...] | None:
        keys = self._deps.filter_keys
        if keys is None:  # (checked by the caller)
            return None
        try:
            found = open_for_poller(keys, self._mapping, self._arn)
        except FilterKeyError as error:
            self._failed(error)
            return None
        self._record(OK)
        return tuple(parse_pattern(p) for p in found)

    def _failed(self, error: FilterKeyError) -> None:
        LOG.info("a mapping's filter criteria key cannot be used: %s", error.code)
        self._opened_at = None
        self._patterns = None
        self._record(problem(error))

    def _record(self, result: str) -> None:
        """LastProcessingResult, written only when it changes (and the mapping still exists)."""
        with self._deps.store.read() as tx:
            current = tx.event_source_mappings.get(self._mapping.uuid)
        if current is None or current.last_result == result:
            return
        if result == OK and current.last_result is None:
            return  # nothing went wrong before: nothing to report
        with self._deps.store.write() as tx:
            current = tx.event_source_mappings.get(self._mapping.uuid)
            if current is not None and current.last_result != result:
                tx.event_source_mappings.put(replace(current, last_result=result))
