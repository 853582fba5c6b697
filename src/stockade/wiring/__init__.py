"""The composition root: the only place that builds concrete adapters and connects them."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import os
import platform
import re
import resource
import subprocess
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from botocore.model import ServiceModel

from stockade import datadir
from stockade.api.app import StockadeApp
from stockade.api.ec2_endpoint import Ec2Endpoint
from stockade.api.endpoints import Endpoint, RestJsonEndpoint
from stockade.api.internal import InternalRoutes
from stockade.api.json_endpoint import JsonEndpoint
from stockade.api.operator_channel import OperatorChannel
from stockade.api.query_endpoint import QueryEndpoint
from stockade.api.server import ConnectionAdopter, TlsFiles
from stockade.api.specs import ServiceSpecs
from stockade.api.url_app import FunctionUrlApp
from stockade.api.url_routes import UrlRoutes
from stockade.api.webhooks import UrllibPoster
from stockade.audit.trail import AuditTrail, delivered_records
from stockade.clock import Clock, SystemClock
from stockade.config import Settings
from stockade.crypto import (
    CodeSigningKeys,
    Ed25519Signer,
    EnvelopeCipher,
    EnvelopeSealer,
    OsKeyFiles,
    load_root_key,
)
from stockade.crypto.root_key import AesRootKey
from stockade.domain import limits
from stockade.domain.runtimes import RuntimeCatalog, RuntimeFamily, RuntimeInfo
from stockade.kernel import AuditStep, Kernel, PolicyAuthorizer
from stockade.private_files import make_dir, restrict_tree, restrict_umask, write_file
from stockade.sandbox import EnvironmentPool, PoolSettings, SandboxBackend
from stockade.sandbox.backends.namespaces.backend import NamespaceBackend, NamespaceSettings
from stockade.sandbox.backends.unsafe import UnsafeBackend
from stockade.sandbox.limits import LimitsPolicy, default_policy_dir
from stockade.sandbox.network.attachment import IgnoredChanges
from stockade.sandbox.network.default_network import DefaultNetwork
from stockade.sandbox.network.vpc_network import VpcNetwork
from stockade.sandbox.runtime_versions import (
    InstalledRuntimeFiles,
    RuntimeVersions,
    RuntimeVersionStore,
    ShippedRuntimeFiles,
)
from stockade.sandbox.sdk_address import SdkAddress
from stockade.services.cloudtrail.event_selectors import TrailSelectors
from stockade.services.cloudtrail.service import CloudTrailService
from stockade.services.compliance.admin import ComplianceAdmin
from stockade.services.compliance.webhooks import WebhookDeliveries
from stockade.services.ec2 import Ec2Service, StoreVpcResolver
from stockade.services.ec2.flow_delivery import StoreFlowLogSink
from stockade.services.events import EventsService
from stockade.services.events.delivery import EventDeliveries
from stockade.services.events.own_publisher import FileCursor, OwnEventPublisher
from stockade.services.events.put_events import EventIntake
from stockade.services.events.rule_counters import RuleCounters, rule_counters
from stockade.services.events.scheduler import EventScheduler
from stockade.services.iam.service import IamService
from stockade.services.identity import Identities
from stockade.services.kms import KmsService
from stockade.services.kms.filters_for_lambda import LambdaFilterKeys
from stockade.services.kms.for_lambda import LambdaEnvironmentKeys
from stockade.services.kms.for_parameters import ParameterKeys
from stockade.services.kms.for_secrets import SecretsManagerKeys
from stockade.services.kms.platform import PlatformDataKeys
from stockade.services.lambda_ import LambdaDeps, LambdaService, url_model_text
from stockade.services.lambda_.async_invoke import AsyncInvocations
from stockade.services.lambda_.code_urls import CodeUrlSigner
from stockade.services.lambda_.configuration_items import record_at_start
from stockade.services.lambda_.counters import Counters, InvocationCounters
from stockade.services.lambda_.environment_keys import EnvironmentVariables
from stockade.services.lambda_.event_source_pollers import EventSourcePollers
from stockade.services.lambda_.event_targets import LambdaEventTargets
from stockade.services.lambda_.function_url_lookup import find_url
from stockade.services.lambda_.mapping_counters import MappingCounters, mapping_counters
from stockade.services.lambda_.rotation_targets import LambdaRotationFunctions
from stockade.services.logs import LogsService
from stockade.services.maintenance import collect_garbage
from stockade.services.secretsmanager import SecretsManagerService
from stockade.services.signer import SignerService
from stockade.services.sqs import SqsService
from stockade.services.sqs import message_attributes as sqs_attributes
from stockade.services.sqs.scope import queue_policy
from stockade.services.ssm import SsmService
from stockade.services.sts import StsService
from stockade.store.artifacts import FileArtifactStore
from stockade.store.event_selectors import FileEventSelectorStore
from stockade.store.function_stats import (
    MAPPING_KEYS,
    MAPPING_TABLE,
    RULE_KEYS,
    RULE_TABLE,
    SqliteCounterStore,
)
from stockade.store.logs import SqliteLogStore
from stockade.store.sqlite import SqliteStore
from stockade.store.sqlite_audit import SqliteAuditIndex
from stockade.store.sqlite_keys import SqliteKeyStore
from stockade.store.sqlite_queues import SqliteQueueEngine
from stockade.types import AccountId
from stockade.wiring.function_network import choose as choose_function_network
from stockade.wiring.operator import operator_endpoint, operator_service

LOG = logging.getLogger(__name__)

# Request bodies that may carry a whole deployment package.
_CODE_UPLOADS = ("CreateFunction", "UpdateFunctionCode", "PublishLayerVersion")
# Invoke bodies are read a little past the 6 MB payload quota so that the service answers
# oversized payloads with Lambda's own RequestTooLargeException.
_INVOKE_BODY_LIMIT = limits.SYNC_PAYLOAD_BYTES_MAX + 64 * 1024
_COUNTER_SAVE_INTERVAL_S = 1.0
_KEY_MAINTENANCE_INTERVAL_S = 3600.0
_COMPLIANCE_INTERVAL_S = 3600.0
_SECRET_SWEEP_INTERVAL_S = 3600.0
_WEBHOOK_ROUND_INTERVAL_S = 0.5
_WEBHOOK_RETRY_BASE_DELAY_S = 1.0  # then 2, 4, 8 s: five attempts within about 15 s
# A 256 KiB message (or batch) JSON-escaped, with room for its attributes.
_SQS_BODY_LIMIT = 2 * 1024 * 1024


@dataclass
class Stockade:
    """A built server: the ASGI app and what must be closed when it stops."""

    settings: Settings
    app: StockadeApp
    store: SqliteStore
    executor: ThreadPoolExecutor
    admin: datadir.AdminCredentials | None  # set on the first start only
    account_id: str
    adopter: ConnectionAdopter
    logs: SqliteLogStore
    _lock_fd: int
    kernel: Kernel | None = None
    queues: SqliteQueueEngine | None = None
    keys: SqliteKeyStore | None = None
    trail: AuditTrail | None = None
    tls: TlsFiles | None = None
    audit_index: SqliteAuditIndex | None = None
    url_app: FunctionUrlApp | None = None  # the function URL listener's application
    scheduler: EventScheduler | None = None  # scheduled rules (a test drives its rounds)
    secrets: SecretsManagerService | None = None  # (a test drives its sweep and rotations)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        if self.trail is not None:
            self.trail.close()  # seals the open period with a digest
        if self.audit_index is not None:
            self.audit_index.close()
        self.logs.close()
        if self.queues is not None:
            self.queues.close()
        self.store.close()
        if self.keys is not None:
            self.keys.close()
        os.close(self._lock_fd)


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    sandbox: SandboxBackend | None = None,
    runtime_files: ShippedRuntimeFiles | None = None,
) -> Stockade:
    """The server for `settings`. `clock` and `sandbox` replace the system clock and the
    settings' isolation backend (in-process tests drive a fake clock and fake guests);
    `runtime_files` the runtime files this installation ships (tests simulate an update)."""
    # Nothing the server writes may depend on the umask it was started with.
    restrict_umask()
    datadir.prepare(settings)
    lock_fd = datadir.lock(settings)
    try:
        repaired = restrict_tree(settings.data_dir)  # written by a version before these rules
        if repaired:
            LOG.info("made %d files and directories of the data dir private", len(repaired))
        return _build(settings, lock_fd, clock or SystemClock(), sandbox, runtime_files)
    except BaseException:
        os.close(lock_fd)
        raise


def _build(
    settings: Settings,
    lock_fd: int,
    clock: Clock,
    sandbox: SandboxBackend | None,
    runtime_files: ShippedRuntimeFiles | None = None,
) -> Stockade:
    at_rest = _AtRest.open(settings, clock)
    server_tls = datadir.server_tls(settings, at_rest.root)
    store = SqliteStore(settings.database, at_rest.sealer, settings.storage_busy_timeout_s)
    artifacts = FileArtifactStore(settings.artifacts, at_rest.sealer)
    # Stockade's own events: write management events leave the audit trail once journalled.
    queues = SqliteQueueEngine(
        settings.queues_database, at_rest.sealer, clock, settings.storage_busy_timeout_s
    )
    own_events = OwnEventPublisher(store, queues, FileCursor(settings.data_dir / "own-events.json"))
    audit_index, trail = _audit(settings, at_rest.root, clock, own_events.audit_records)
    # A run killed between journalling records and queueing their events: queued again.
    own_events.recover(trail.journalled())
    identities = Identities(store, clock)

    admin = None
    with store.read() as tx:
        accounts = tx.accounts.all()
    if not accounts:
        created = identities.create_account("default")
        admin = datadir.AdminCredentials(
            created.account.account_id, created.access_key_id, created.secret_access_key
        )
        datadir.write_client_files(settings, admin)
        account_id: str = created.account.account_id
    else:
        account_id = accounts[0].account_id
        datadir.write_config_file(settings)
    datadir.write_endpoint(settings, account_id)
    # No request is in flight yet, so every unreferenced artifact is garbage.
    collect_garbage(store, artifacts, min_age_s=0)

    authorizer = PolicyAuthorizer(store, monotonic=clock.monotonic)
    function_network = choose_function_network(settings, injected_sandbox=sandbox is not None)
    kms = KmsService(at_rest.keys, at_rest.cipher, clock)
    lambda_keys = LambdaEnvironmentKeys(kms, authorizer, settings.region, trail)
    deps = LambdaDeps(
        store=store,
        artifacts=artifacts,
        clock=clock,
        runtimes=discover_runtimes(),
        region=settings.region,
        host_arch=host_architecture(),
        code_urls=CodeUrlSigner(datadir.secret_key(settings.keys / "code-url.key")),
        environments=EnvironmentVariables(lambda_keys),
        filter_keys=LambdaFilterKeys(lambda_keys),
        network=function_network.mode,
        vpc_supported=function_network.network is not None or sandbox is not None,
        # Every runtime version ever shipped stays in the data dir (pinned functions run it).
        runtime_versions=RuntimeVersions(
            RuntimeVersionStore(settings.data_dir / "runtimes"),
            runtime_files or InstalledRuntimeFiles(),
        ),
        url_naming=settings.url_naming,
    )
    recorded = record_at_start(deps)
    if recorded:
        LOG.info("recorded %d configuration items changed while the server was down", recorded)
    adopter = ConnectionAdopter()
    logs = SqliteLogStore(settings.logs_database, sealer=at_rest.sealer)
    if function_network.network is not None:
        function_network.network.report_rejected_to(logs, clock, settings.flow_log_window_s)
    vpc_network = function_network.vpc(
        StoreVpcResolver(store),
        dict(settings.subnet_bindings),
        StoreFlowLogSink(store, logs),
        clock,
        settings.flow_log_window_s,
    )
    counter_store = SqliteCounterStore(settings.stats_database, Counters)
    counters = InvocationCounters(counter_store.load())
    sandbox_limits = LimitsPolicy.load(default_policy_dir() / "limits.json")
    pool = EnvironmentPool.local(
        sandbox
        or _sandbox_backend(settings, sandbox_limits, function_network.network, vpc_network),
        logs,
        on_api_connection=adopter,
        settings=PoolSettings(
            max_environments=settings.max_environments,
            scale_up_per_10s=settings.scale_up_per_10s,
        ),
        clock=clock,
        limits=sandbox_limits,
    )
    lambda_service = LambdaService(
        deps,
        pool,
        keep_alive_s=settings.environment_keep_alive_s,
        max_lifetime_s=settings.environment_max_lifetime_s,
        concurrency_limit=settings.concurrency_limit,
        counters=counters,
        queues=queues,
        decider=authorizer,
    )
    specs = ServiceSpecs()
    selectors = TrailSelectors(
        FileEventSelectorStore(settings.audit / "event-selectors.json"), settings.region
    )
    endpoints: dict[str, Endpoint] = {
        "lambda": RestJsonEndpoint(
            "lambda",
            specs.model("lambda"),
            body_limits={
                **dict.fromkeys(_CODE_UPLOADS, limits.CODE_UPLOAD_REQUEST_BYTES_MAX),
                "Invoke": _INVOKE_BODY_LIMIT,
                "InvokeWithResponseStream": _INVOKE_BODY_LIMIT,
            },
        ),
        "iam": QueryEndpoint("iam", specs.model("iam")),
        "sts": QueryEndpoint("sts", specs.model("sts")),
        "sqs": JsonEndpoint("sqs", specs.model("sqs"), body_limit=_SQS_BODY_LIMIT),
        "logs": JsonEndpoint("logs", specs.model("logs")),
        "kms": JsonEndpoint("kms", specs.model("kms")),
        "cloudtrail": JsonEndpoint("cloudtrail", specs.model("cloudtrail")),
        "signer": RestJsonEndpoint("signer", specs.model("signer")),
        "ec2": Ec2Endpoint("ec2", specs.model("ec2")),
        "events": JsonEndpoint("events", specs.model("events")),
        "ssm": JsonEndpoint("ssm", specs.model("ssm")),
        "secretsmanager": JsonEndpoint("secretsmanager", specs.model("secretsmanager")),
    }
    secrets = SecretsManagerService(
        store,
        settings.region,
        SecretsManagerKeys(kms, authorizer, settings.region, trail),
        authorizer,
        # Rotation: steps invoke functions as secretsmanager.amazonaws.com; service events
        # go to the trail.
        (LambdaRotationFunctions(lambda_service.invoker), trail, clock),
    )
    tables = [
        lambda_service.table(),
        secrets.table(),
        StsService(store, clock).table(),
        kms.table(),
        CloudTrailService(audit_index, selectors, clock, settings.audit_retention_days).table(),
        SignerService(store, CodeSigningKeys(at_rest.root), clock, settings.region).table(),
        IamService(
            store,
            clock,
            on_change=_forgetting(
                identities.forget,
                authorizer.forget,
                lambda_service.invoker.role_sessions.forget,
            ),
        ).table(),
        SqsService(queues, settings.region).table(),
        EventsService(
            store, settings.region, EventIntake(store, queues, clock, settings.region)
        ).table(),
        LogsService(logs, settings.region, clock).table(),
        # Parameter Store: SecureStrings under KMS keys, used as the caller through it.
        SsmService(
            store, settings.region, ParameterKeys(kms, authorizer, settings.region, trail)
        ).table(),
        # Environments of a VPC get its rules again after each change of its egress or routes.
        Ec2Service(
            store,
            settings.region,
            network_changes=vpc_network or IgnoredChanges(),
            address_pool=settings.elastic_ip_pool,
        ).table(),
    ]
    compliance = ComplianceAdmin(store, clock, deps.runtimes)
    operator = operator_service(settings, identities, compliance, AccountId(account_id))
    tables.append(operator.table())
    executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="stockade")
    events = AsyncInvocations(
        lambda_service.invoker,
        queues,
        settings.region,
        _dead_letter_attributes,
        retry_base_delay_s=settings.async_retry_base_delay_s,
    )
    lambda_service.invoker.events = events
    # Counters per event source mapping and per rule, saved with the function counters.
    mapping_store = SqliteCounterStore(
        settings.stats_database, MappingCounters, MAPPING_TABLE, MAPPING_KEYS, prune=True
    )
    rule_store = SqliteCounterStore(
        settings.stats_database, RuleCounters, RULE_TABLE, RULE_KEYS, prune=True
    )
    per_mapping = mapping_counters(mapping_store.load())
    per_rule = rule_counters(rule_store.load())
    pollers = EventSourcePollers(lambda_service.invoker, queues, per_mapping)
    deliveries = EventDeliveries(
        store,
        queues,
        LambdaEventTargets(lambda_service.invoker, events),
        settings.region,
        functools.partial(queue_policy, queues, settings.region),
        clock,
        per_rule,
    )
    saved_counters: list[_SavedCounters] = [
        (counters.snapshot, counter_store),
        (per_mapping.snapshot, mapping_store),
        (per_rule.snapshot, rule_store),
    ]
    scheduler = EventScheduler(store, queues, clock, settings.region)
    lambda_service.invoker.recursion.log_sink = logs  # stopped loops are logged there
    webhooks = WebhookDeliveries(store, UrllibPoster(), clock, _WEBHOOK_RETRY_BASE_DELAY_S)
    kernel = Kernel(
        tables,
        authorizer,
        AuditStep(
            trail,
            clock,
            settings.region,
            account_id,
            settings.audit_data_events,
            selection=selectors,
        ),
        settings.region,
        executor,
    )
    channel = OperatorChannel(
        settings.data_dir, kernel, operator_endpoint(), clock, AccountId(account_id)
    )
    lifecycle = _Lifecycle(pool, saved_counters, lambda_service, events, kms, trail,
                           settings.audit_period_s, webhooks, compliance, channel,
                           pollers, deliveries, scheduler, own_events, secrets)  # fmt: skip
    app = StockadeApp(
        endpoints=endpoints,
        credentials=identities,
        clock=clock,
        region=settings.region,
        internal=InternalRoutes(lambda_service.downloads.download),
        kernel=kernel,
        # The sandbox backend proves its isolation primitives here: a missing one stops the
        # server before it listens, with a message naming it.
        on_startup=lifecycle.start,
        on_shutdown=lifecycle.stop,
    )
    url_app = FunctionUrlApp(
        ServiceModel(json.loads(url_model_text()), "lambda"),
        UrlRoutes(settings.region, settings.function_url_domain),
        lambda url_id: find_url(deps, url_id),
        identities,
        clock,
        settings.region,
        kernel,
    )
    return Stockade(
        settings, app, store, executor, admin, account_id, adopter, logs, lock_fd, kernel,
        queues, at_rest.keys, trail,
        None if server_tls is None else TlsFiles(
            server_tls.cert_file, server_tls.key_file, server_tls.key_password
        ),
        audit_index, url_app, scheduler, secrets,
    )  # fmt: skip


@dataclass
class _AtRest:
    """Encryption at rest: the root key, the key store and the sealer everything stores with."""

    root: AesRootKey
    keys: SqliteKeyStore
    cipher: EnvelopeCipher
    sealer: EnvelopeSealer

    @classmethod
    def open(cls, settings: Settings, clock: Clock) -> _AtRest:
        root = load_root_key(os.environ, settings.keys / "root.key", OsKeyFiles())
        keys = SqliteKeyStore(settings.keys_database, settings.storage_busy_timeout_s)
        cipher = EnvelopeCipher(root)
        return cls(root, keys, cipher, EnvelopeSealer(PlatformDataKeys(keys, cipher, clock)))


def _audit(
    settings: Settings,
    root: AesRootKey,
    clock: Clock,
    publish: Callable[[list[dict[str, Any]]], None] | None = None,
) -> tuple[SqliteAuditIndex, AuditTrail]:
    """The trail, and the lookup index that follows it. The index can always be rebuilt from
    the trail: a new one is filled from the log files still within retention, and records the
    journal holds are (re)added on every start, in case the last run stopped before indexing.
    Records on disk are also handed to `publish` (Stockade's own events)."""
    path = settings.audit / "index.db"
    fresh = not path.exists()
    make_dir(settings.audit)
    index = SqliteAuditIndex(path, clock, settings.audit_retention_days)
    if fresh:
        since = clock.now() - timedelta(days=settings.audit_retention_days)
        index.add(delivered_records(settings.audit, since))
    follow = index.add if publish is None else _each(index.add, publish)
    trail = AuditTrail(settings.audit, _audit_signer(settings, root), clock, settings.region,
                       on_durable=follow)  # fmt: skip
    index.add(trail.journalled())
    return index, trail


def _audit_signer(settings: Settings, root: AesRootKey) -> Ed25519Signer:
    """The trail's digest-signing key: created on first start, kept wrapped by the root key."""
    path = settings.keys / "audit-signing.key"
    context = {"stockade:purpose": "audit-digest-signing"}
    if path.exists():
        return Ed25519Signer.from_wrapped(root, path.read_bytes(), context)
    signer = Ed25519Signer.generate()
    write_file(path, signer.wrapped(root, context))
    return signer


def _each(
    *follow: Callable[[list[dict[str, Any]]], None],
) -> Callable[[list[dict[str, Any]]], None]:
    """Every follower of the journal told, each whatever another one raised."""

    def told(records: list[dict[str, Any]]) -> None:
        for follower in follow:
            try:
                follower(records)
            except Exception:  # the journal holds them; the index catches up on restart
                LOG.exception("audit records could not be passed on")

    return told


def _forgetting(*caches: Callable[[], None]) -> Callable[[], None]:
    """One call that drops every cache an IAM change makes stale."""

    def forget() -> None:
        for drop in caches:
            drop()

    return forget


def _dead_letter_attributes(values: Mapping[str, str]) -> bytes:
    """Lambda's dead-letter message attributes, in the SQS service's stored encoding."""
    typed = {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}
    return sqs_attributes.encode(typed, "lambda.amazonaws.com", None)


# Counters and where they are saved: a snapshot of the totals, and the sink that keeps them.
_SavedCounters = tuple[Callable[[], Mapping[Any, Any]], SqliteCounterStore]


class _Lifecycle:
    """What starts with the event loop and stops with it: the pool and the counter saver."""

    def __init__(
        self,
        pool: EnvironmentPool,
        saved_counters: Sequence[_SavedCounters],
        lambda_service: LambdaService,
        events: AsyncInvocations,
        kms: KmsService,
        trail: AuditTrail,
        audit_period_s: float,
        webhooks: WebhookDeliveries,
        compliance: ComplianceAdmin,
        channel: OperatorChannel,
        pollers: EventSourcePollers,
        deliveries: EventDeliveries,
        scheduler: EventScheduler,
        own_events: OwnEventPublisher,
        secrets: SecretsManagerService,
    ) -> None:
        self._pool, self._saved_counters = pool, tuple(saved_counters)
        self._last_saved: dict[int, Mapping[Any, Any]] = {}
        self._pollers = pollers
        self._deliveries = deliveries
        self._delivery: asyncio.Task[None] | None = None
        self._scheduler = scheduler
        self._scheduling: asyncio.Task[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._lambda = lambda_service
        self._events = events
        self._kms = kms
        self._trail, self._audit_period_s = trail, audit_period_s
        self._roller: asyncio.Task[None] | None = None
        self._saver: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._keys: asyncio.Task[None] | None = None
        self._webhooks = webhooks
        self._deliverer: asyncio.Task[None] | None = None
        self._compliance = compliance
        self._channel = channel
        self._evaluator: asyncio.Task[None] | None = None
        self._own_events = own_events
        self._publisher: asyncio.Task[None] | None = None
        self._secrets = secrets
        self._secret_sweep: asyncio.Task[None] | None = None
        self._secret_rotations: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._pool.start()
        restored = await self._lambda.provisioned.restore()
        if restored:
            LOG.info("re-establishing %d provisioned concurrency configurations", restored)
        loop = asyncio.get_running_loop()
        self._saver = loop.create_task(self._save_forever())
        self._poller = loop.create_task(self._events.run())
        self._keys = loop.create_task(self._maintain_keys_forever())
        self._roller = loop.create_task(self._roll_audit_forever())
        self._deliverer = loop.create_task(self._deliver_webhooks_forever())
        self._evaluator = loop.create_task(self._evaluate_compliance_forever())
        self._supervisor = loop.create_task(self._pollers.run())
        self._delivery = loop.create_task(self._deliveries.run())
        self._scheduling = loop.create_task(self._scheduler.run())
        self._publisher = loop.create_task(self._own_events.run())
        self._secret_sweep = loop.create_task(self._sweep_secrets_forever())
        if self._secrets.rotations is not None:  # due rotations, also those due while down
            self._secret_rotations = loop.create_task(self._secrets.rotations.run())
        await self._channel.start()

    async def stop(self) -> None:
        await self._channel.stop()
        if self._secrets.rotations is not None:
            self._secrets.rotations.stop()
        for task in (self._saver, self._keys, self._roller, self._deliverer, self._evaluator,
                     self._secret_sweep, self._secret_rotations):  # fmt: skip
            if task is not None:
                task.cancel()
        await self._pollers.stop()
        await self._deliveries.stop()
        if self._delivery is not None:
            self._delivery.cancel()
        await self._scheduler.stop()
        if self._scheduling is not None:
            self._scheduling.cancel()
        await self._own_events.stop()
        if self._publisher is not None:
            self._publisher.cancel()
        if self._supervisor is not None:
            self._supervisor.cancel()
        await self._events.stop()
        if self._poller is not None:
            self._poller.cancel()
        await self._pool.close()
        self._save_counters()

    def _save_counters(self) -> None:
        """Every kind of counter, each through its sink (one failing does not stop the rest);
        totals unchanged since the last save are not written again."""
        for index, (snapshot, sink) in enumerate(self._saved_counters):
            totals = snapshot()
            if self._last_saved.get(index) == totals:
                continue
            try:
                sink.save(totals)
                self._last_saved[index] = totals
            except Exception:  # counters are best effort; the server keeps serving
                LOG.exception("could not save counters")

    async def _roll_audit_forever(self) -> None:
        while True:
            await asyncio.sleep(self._audit_period_s)
            try:
                await asyncio.to_thread(self._trail.roll)
            except Exception:  # the journal keeps the records for the next roll
                LOG.exception("could not deliver the audit journal")

    async def _deliver_webhooks_forever(self) -> None:
        # Off the request path: a slow or failing receiver delays only its own notifications.
        while True:
            await asyncio.sleep(_WEBHOOK_ROUND_INTERVAL_S)
            try:
                await asyncio.to_thread(self._webhooks.deliver_due)
            except Exception:  # the changes stay queued for the next round
                LOG.exception("compliance webhook round failed")

    async def _evaluate_compliance_forever(self) -> None:
        # At start, then hourly: a runtime's deprecation date passes without any request, and
        # so may have passed while the server was down.
        while True:
            try:
                recorded = await asyncio.to_thread(self._compliance.evaluate_scheduled)
                if recorded:
                    LOG.info("scheduled compliance evaluation: %d changes recorded", recorded)
            except Exception:  # retried at the next round; the server keeps serving
                LOG.exception("scheduled compliance evaluation failed")
            await asyncio.sleep(_COMPLIANCE_INTERVAL_S)

    async def _maintain_keys_forever(self) -> None:
        # Due rotations and deletions whose waiting period is over: at start, then hourly.
        while True:
            try:
                rotated, deleted = await asyncio.to_thread(self._kms.maintain)
                if rotated or deleted:
                    LOG.info("key maintenance: %d rotated, %d deleted", rotated, deleted)
            except Exception:  # retried at the next round; the server keeps serving
                LOG.exception("key maintenance failed")
            await asyncio.sleep(_KEY_MAINTENANCE_INTERVAL_S)

    async def _sweep_secrets_forever(self) -> None:
        # Secrets whose recovery window passed (also while the server was down): at start,
        # then hourly. Lookups already treat them as gone; this frees their records.
        while True:
            try:
                now = self._kms.deps.clock.now()
                removed = await asyncio.to_thread(self._secrets.maintain, now)
                if removed:
                    LOG.info("secrets past their recovery window removed: %d", removed)
            except Exception:  # retried at the next round; the server keeps serving
                LOG.exception("secret deletion sweep failed")
            await asyncio.sleep(_SECRET_SWEEP_INTERVAL_S)

    async def _save_forever(self) -> None:
        while True:
            await asyncio.sleep(_COUNTER_SAVE_INTERVAL_S)
            await asyncio.to_thread(self._save_counters)


def _sandbox_backend(
    settings: Settings,
    limits: LimitsPolicy,
    network: DefaultNetwork | None,
    vpc: VpcNetwork | None,
) -> SandboxBackend:
    if settings.unsafe_no_sandbox:
        LOG.warning(
            "RUNNING FUNCTION CODE WITHOUT A SANDBOX (--unsafe-no-sandbox): functions run as"
            " plain processes of this host with no isolation. Never use this in production."
        )
        return UnsafeBackend()
    # A name stable across restarts of this data dir, so that a restart after a crash finds
    # and removes the cgroups the crashed run left behind.
    digest = hashlib.sha256(str(settings.data_dir.resolve()).encode()).hexdigest()[:12]
    _raise_fd_limit()
    # Guests reach the API at the server's own URL; with the server's own CA they trust it too
    # (an operator's certificate is trusted through the guest's public CAs).
    ca = settings.ca_bundle
    sdk = SdkAddress.for_server(
        settings.url, ca.read_text(encoding="ascii") if ca is not None else None
    )
    return NamespaceBackend(
        NamespaceSettings(
            instance=f"srv-{digest}", limits=limits, sdk=sdk, network=network, vpc=vpc
        )
    )


def _raise_fd_limit() -> None:
    """Each environment holds a few descriptors on the host side; allow the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def host_architecture() -> str:
    machine = platform.machine()
    return {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine
    )


def discover_runtimes() -> RuntimeCatalog:
    """The Lambda runtimes this host can run: its Python and Node.js, plus custom runtimes."""
    runtimes: dict[str, RuntimeInfo] = {
        "provided.al2023": RuntimeInfo("provided.al2023", RuntimeFamily.PROVIDED, None)
    }
    for candidate in sorted(Path("/usr/bin").glob("python3.*")):
        match = re.fullmatch(r"python(3\.\d+)", candidate.name)
        if match and os.access(candidate, os.X_OK):
            name = f"python{match[1]}"
            runtimes[name] = RuntimeInfo(name, RuntimeFamily.PYTHON, str(candidate))
    node = Path("/usr/bin/node")
    if os.access(node, os.X_OK):
        try:
            version = subprocess.run(  # noqa: S603 - fixed argv, no shell
                [str(node), "--version"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            version = ""
        if match := re.fullmatch(r"v(\d+)\..*", version):
            name = f"nodejs{match[1]}.x"
            runtimes[name] = RuntimeInfo(name, RuntimeFamily.NODEJS, str(node))
    schedule = json.loads((default_policy_dir() / "runtimes.json").read_text(encoding="utf-8"))
    return RuntimeCatalog.with_lifecycles(runtimes, schedule)
