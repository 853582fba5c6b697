"""Operator commands, composed: the operator service's table and endpoint for the server, and
a kernel of its own over a locked data dir for when no server runs.

Either way a command is one request through the kernel as the host's operator, recorded in the
data dir's audit trail: through the running server's operator socket, or, with the server
down, through an in-process kernel that holds the data dir (so the two never write at once).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.model import ServiceModel

from stockade import datadir
from stockade.api.http import HttpResponse
from stockade.api.json_endpoint import JsonEndpoint
from stockade.api.operator_channel import call, operator_facts, operator_for
from stockade.clock import Clock, SystemClock
from stockade.config import Settings
from stockade.kernel import AuditStep, Kernel, PolicyAuthorizer
from stockade.private_files import restrict_umask
from stockade.services.compliance.admin import ComplianceAdmin
from stockade.services.identity import Identities
from stockade.services.operator import SERVICE, OperatorDeps, OperatorService, model_text
from stockade.store.function_stats import (
    read_counters,
    read_mapping_counters,
    read_rule_counters,
)
from stockade.store.ports import Store
from stockade.types import AccountId, RequestId, RequestIds

_PUBLIC_KEY = "digest-public-key.pem"


def operator_endpoint() -> JsonEndpoint:
    return JsonEndpoint(SERVICE, ServiceModel(json.loads(model_text()), SERVICE))


@dataclass(frozen=True)
class _SavedCounters:
    path: Path

    def read(self, account_id: str, function_name: str) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return read_counters(self.path, account_id, function_name)

    def mapping(self, uuid: str) -> dict[str, Any] | None:
        return read_mapping_counters(self.path, uuid) if self.path.exists() else None

    def rule(self, account_id: str, bus: str, name: str) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        return read_rule_counters(self.path, account_id, bus, name)


def operator_service(
    settings: Settings, identities: Identities, compliance: ComplianceAdmin, account: AccountId
) -> OperatorService:
    def public_key() -> bytes:
        return (settings.audit / _PUBLIC_KEY).read_bytes()

    return OperatorService(
        OperatorDeps(
            identities=identities,
            compliance=compliance,
            counters=_SavedCounters(settings.stats_database),
            trail_public_key=public_key,
            default_account=account,
        )
    )


class OfflineOperator:
    """The kernel, the operator service and the audit trail of a data dir no server holds."""

    def __init__(self, kernel: Kernel, endpoint: JsonEndpoint, clock: Clock, account: AccountId):
        self._kernel, self._endpoint, self._clock = kernel, endpoint, clock
        self._account = account
        self._request_ids = RequestIds()

    def call(self, operation: str, body: bytes) -> HttpResponse:
        facts = operator_facts(RequestId(self._request_ids()), self._clock.now())
        principal = operator_for(self._account, os.geteuid())
        return asyncio.run(call(self._kernel, self._endpoint, principal, operation, body, facts))


@contextmanager
def offline_operator(settings: Settings) -> Iterator[OfflineOperator]:
    """Operator commands on a data dir with no server: holds its lock for the duration."""
    from stockade.store.sqlite import SqliteStore  # noqa: PLC0415
    from stockade.wiring import (  # noqa: PLC0415 - the server's own composition
        _AtRest,
        _audit,
        discover_runtimes,
    )

    if not settings.database.is_file():
        raise datadir.DataDirError(
            f"No Stockade data in {settings.data_dir}; start the server first."
        )
    restrict_umask()
    lock_fd = datadir.lock(settings)
    clock = SystemClock()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stockade-operator")
    at_rest = _AtRest.open(settings, clock)
    store = SqliteStore(settings.database, at_rest.sealer, settings.storage_busy_timeout_s)
    index, trail = _audit(settings, at_rest.root, clock)
    try:
        account = _default_account(store)
        identities = Identities(store, clock)
        compliance = ComplianceAdmin(store, clock, discover_runtimes())
        service = operator_service(settings, identities, compliance, account)
        kernel = Kernel(
            [service.table()],
            PolicyAuthorizer(store, monotonic=clock.monotonic),
            AuditStep(trail, clock, settings.region, account),
            settings.region,
            executor,
        )
        yield OfflineOperator(kernel, operator_endpoint(), clock, account)
    finally:
        executor.shutdown(wait=True)
        trail.close()
        index.close()
        store.close()
        at_rest.keys.close()
        os.close(lock_fd)


def _default_account(store: Store) -> AccountId:
    with store.read() as tx:
        accounts = tx.accounts.all()
    if not accounts:
        raise datadir.DataDirError("The data dir has no account yet; start the server first.")
    return accounts[0].account_id
