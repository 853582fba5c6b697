"""Housekeeping use cases that no API call triggers directly."""

from __future__ import annotations

import logging
import time

from stockade.store.ports import ArtifactStore, Store

LOG = logging.getLogger(__name__)


def collect_garbage(store: Store, artifacts: ArtifactStore, min_age_s: float) -> int:
    """Delete artifacts no record references and that are older than `min_age_s`.

    Artifacts are written before the transaction that references them commits, so a young
    unreferenced artifact may belong to a request in flight: `min_age_s` protects it.
    """
    referenced = store.referenced_artifacts()
    cutoff = time.time() - min_age_s
    removed = 0
    for address, mtime in list(artifacts.addresses()):
        if address not in referenced and mtime <= cutoff:
            artifacts.delete(address)
            removed += 1
    if removed:
        LOG.info("removed %d unreferenced artifact(s)", removed)
    return removed
