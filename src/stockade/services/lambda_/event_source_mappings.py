"""Create/Get/Update/Delete/ListEventSourceMappings for Stockade's queues (SQS).

Answers as AWS recorded them (LocalStack's AWS-validated snapshots, test_lambda_integration_sqs
and test_lambda_api): Create, Update and Delete answer 202 with the mapping in `Creating`,
`Updating` or `Deleting`; the pollers' supervisor settles it (event_source_pollers.py). A queue
that does not exist, a function that does not exist, a second mapping of the same queue and
function, and a filter that is not a pattern are refused in AWS's words. The function's
execution role must be allowed sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes
on the queue, as Lambda checks when the mapping is made.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from stockade.domain.event_pattern import EventPatternError, parse_pattern
from stockade.domain.event_source_mapping import (
    BATCH_SIZE_DEFAULT,
    BATCH_SIZE_MAX,
    BATCH_SIZE_WITHOUT_WINDOW_MAX,
    FILTERS_MAX,
    MAX_CONCURRENCY_MAX,
    MAX_CONCURRENCY_MIN,
    REPORT_BATCH_ITEM_FAILURES,
    WINDOW_S_MAX,
    EventSourceMapping,
    MappingState,
    mapping_arn,
)
from stockade.domain.identity import Principal, PrincipalKind
from stockade.errors import ApiError
from stockade.services.context import RequestContext
from stockade.services.declaration import Decider, Need
from stockade.services.lambda_ import names
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    InvalidParameterValueError,
    ResourceConflictError,
    ResourceNotFoundError,
)
from stockade.services.lambda_.esm_keys import key_ref, rekeyed, with_key
from stockade.services.lambda_.filter_encryption import criteria
from stockade.services.lambda_.filter_encryption import shown as shown_criteria
from stockade.services.lambda_.paging import decode_marker, encode_marker, page_size
from stockade.services.lambda_.tags import checked_tags
from stockade.services.sqs.scope import QueueScope
from stockade.store.ports import Transaction
from stockade.store.queue_ports import QueueEngine, QueueId
from stockade.types import AccountId

NOT_FOUND = "The resource you requested does not exist."
_PAGE = 100
NO_QUEUE = (
    "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue."
    " SQS Error Message: The specified queue does not exist."
)
BAD_FILTER = "Invalid filter pattern definition."
# What Lambda calls on the queue with the function's role (developer guide, with-sqs).
QUEUE_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
# Parameters of other kinds of event source, refused for a queue (AWS: each "Unsupported ...").
METRICS_EVENT_COUNT = "EventCount"  # the only metric group of SQS mappings
_NOT_FOR_QUEUES = {
    "StartingPosition": "Unsupported starting position for arn type: {arn}",
    "StartingPositionTimestamp": "Unsupported starting position for arn type: {arn}",
    "DestinationConfig": "Unsupported DestinationConfig parameter for given event source"
    " mapping type.",
}
_NOT_YET = ("ProvisionedPollerConfig", "LoggingConfig")


class EventSourceMappings:
    def __init__(self, deps: LambdaDeps, queues: QueueEngine | None, decider: Decider | None):
        self._deps = deps
        self._queues = queues
        self._decider = decider

    # -- operations ------------------------------------------------------------------------------
    def create_event_source_mapping(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        deps = self._deps
        source = request.get("EventSourceArn")
        self._check_queue(source)
        _refuse_other_kinds(request, source or "")
        target = names.resolve(deps, ctx, request["FunctionName"])
        role = self._function_role(target)
        batch_size = request.get("BatchSize", BATCH_SIZE_DEFAULT)
        window = request.get("MaximumBatchingWindowInSeconds", 0)
        _check_batching(batch_size, window)
        filters = _filters(request.get("FilterCriteria"))
        types = _response_types(request.get("FunctionResponseTypes"))
        concurrency = _max_concurrency(request.get("ScalingConfig"))
        tags = tuple(sorted(checked_tags(request.get("Tags") or {}).items()))
        self._check_role(ctx, target.account_id, role, source or "", target.name)
        now = deps.clock.now()
        mapping = EventSourceMapping(
            uuid=str(uuid.uuid4()),
            account_id=target.account_id,
            function_arn=target.arn,
            event_source_arn=source or "",
            state=MappingState.CREATING,
            last_modified=now,
            enabled=request.get("Enabled", True),
            batch_size=batch_size,
            window_s=window,
            filters=filters,
            response_types=types,
            max_concurrency=concurrency,
            tags=tags,
            metrics=_metrics(request.get("MetricsConfig")),
        )
        mapping = with_key(deps, ctx, mapping, key_ref(request.get("KMSKeyArn")))
        with deps.store.write() as tx:
            existing = _same_pair(tx, target.account_id, target.arn, mapping.event_source_arn)
            if existing is not None:
                raise ResourceConflictError(_duplicate(existing, target.name))
            tx.event_source_mappings.put(mapping)
        return self.present(mapping, ctx, shown_filters=filters)

    def get_event_source_mapping(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self.present(self._owned(ctx, request["UUID"]), ctx)

    def update_event_source_mapping(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        deps = self._deps
        current = self._owned(ctx, request["UUID"])
        _refuse_other_kinds(request, current.event_source_arn)
        function_arn = current.function_arn
        if "FunctionName" in request:
            target = names.resolve(deps, ctx, request["FunctionName"])
            role = self._function_role(target)
            self._check_role(ctx, target.account_id, role, current.event_source_arn, target.name)
            function_arn = target.arn
        batch_size = request.get("BatchSize", current.batch_size)
        window = request.get("MaximumBatchingWindowInSeconds", current.window_s)
        _check_batching(batch_size, window)
        changed = replace(
            current,
            function_arn=function_arn,
            batch_size=batch_size,
            window_s=window,
            enabled=request.get("Enabled", current.enabled),
            response_types=_response_types(request["FunctionResponseTypes"])
            if "FunctionResponseTypes" in request
            else current.response_types,
            max_concurrency=_max_concurrency(request["ScalingConfig"])
            if "ScalingConfig" in request
            else current.max_concurrency,
            metrics=_metrics(request["MetricsConfig"])
            if "MetricsConfig" in request
            else current.metrics,
            state=MappingState.UPDATING,
            last_modified=deps.clock.now(),
        )
        changed, filters = rekeyed(deps, ctx, current, changed, request, _filters)
        with deps.store.write() as tx:
            if tx.event_source_mappings.get(current.uuid) is None:
                raise ResourceNotFoundError(NOT_FOUND)
            tx.event_source_mappings.put(changed)
        return self.present(changed, ctx, shown_filters=filters)

    def delete_event_source_mapping(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        current = self._owned(ctx, request["UUID"])
        deleting = replace(current, state=MappingState.DELETING)
        with self._deps.store.write() as tx:
            if tx.event_source_mappings.get(current.uuid) is None:
                raise ResourceNotFoundError(NOT_FOUND)
            tx.event_source_mappings.put(deleting)
        return self.present(deleting, ctx)

    def list_event_source_mappings(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        deps = self._deps
        function_arn = None
        if "FunctionName" in request:
            function_arn = names.resolve(deps, ctx, request["FunctionName"]).arn
        after = decode_marker(request.get("Marker"), 1)
        limit = page_size(request.get("MaxItems"))
        with deps.store.read() as tx:
            found = tx.event_source_mappings.page(
                ctx.principal.account_id,
                None if after is None else str(after[0]),
                limit + 1,
                function_arn=function_arn,
                event_source_arn=request.get("EventSourceArn"),
            )
        response: dict[str, Any] = {
            "EventSourceMappings": [self.present(m, ctx, listed=True) for m in found[:limit]]
        }
        if len(found) > limit:
            response["NextMarker"] = encode_marker(found[limit - 1].uuid)
        return response

    # -- shared ---------------------------------------------------------------------------------
    def present(
        self,
        mapping: EventSourceMapping,
        ctx: RequestContext,
        *,
        shown_filters: tuple[str, ...] | None = None,
        listed: bool = False,
    ) -> dict[str, Any]:
        """As Lambda answers for an SQS mapping (recorded: test_sqs_event_source_mapping_update).
        Criteria under a key: as the caller just gave them (`shown_filters`), never in a list,
        otherwise decrypted for the caller (or `FilterCriteriaError`)."""
        shown: dict[str, Any] = {
            "UUID": mapping.uuid,
            "BatchSize": mapping.batch_size,
            "MaximumBatchingWindowInSeconds": mapping.window_s,
            "EventSourceArn": mapping.event_source_arn,
            "FunctionArn": mapping.function_arn,
            "LastModified": mapping.last_modified,
            "State": mapping.state.value,
            "StateTransitionReason": mapping.state_reason,
            "FunctionResponseTypes": list(mapping.response_types),
            "EventSourceMappingArn": mapping_arn(
                self._deps.region, mapping.account_id, mapping.uuid
            ),
        }
        if mapping.kms_key_arn is None:
            shown.update(criteria(mapping.filters))
        else:
            shown["KMSKeyArn"] = mapping.kms_key_arn
            if shown_filters is not None:
                shown.update(criteria(shown_filters))
            elif not listed:
                shown.update(shown_criteria(self._deps.filter_keys, ctx, mapping))
        if mapping.max_concurrency is not None:
            shown["ScalingConfig"] = {"MaximumConcurrency": mapping.max_concurrency}
        if mapping.last_result is not None:
            shown["LastProcessingResult"] = mapping.last_result
        if mapping.metrics is not None:
            shown["MetricsConfig"] = {"Metrics": list(mapping.metrics)}
        return shown

    def _owned(self, ctx: RequestContext, mapping_uuid: str) -> EventSourceMapping:
        with self._deps.store.read() as tx:
            found = tx.event_source_mappings.get(mapping_uuid)
        if found is None or found.account_id != ctx.principal.account_id:
            raise ResourceNotFoundError(NOT_FOUND)
        return found

    def _check_queue(self, source: str | None) -> None:
        parts = (source or "").split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[2]:
            raise InvalidParameterValueError("Unrecognized event source.")
        if parts[2] != "sqs":
            raise InvalidParameterValueError(
                f"Stockade maps only SQS queues to functions; {parts[2]} event sources are not"
                " supported."
            )
        if parts[3] != self._deps.region or self._queues is None:
            raise InvalidParameterValueError(NO_QUEUE)
        if self._queues.get_queue(QueueId(parts[4], parts[5])) is None:
            raise InvalidParameterValueError(NO_QUEUE)

    def _function_role(self, target: names.Target) -> str:
        """The execution role of the version the mapping invokes (AWS's error if none)."""
        with self._deps.store.read() as tx:
            try:
                version, _ = names.load_version(tx, target)
            except ResourceNotFoundError:
                raise InvalidParameterValueError("Function does not exist") from None
        return version.config.role

    def _check_role(
        self, ctx: RequestContext, account_id: str, role_arn: str, queue_arn: str, function: str
    ) -> None:
        """The execution role may receive, delete and read attributes on the queue (its own
        policies and the queue's policy decide, as for any caller)."""
        if self._decider is None or self._queues is None:
            return
        role_name = role_arn.rsplit("/", 1)[-1]
        with self._deps.store.read() as tx:
            role = tx.roles.get(AccountId(account_id), role_name)
        principal = Principal(
            PrincipalKind.ASSUMED_ROLE,
            AccountId(account_id),
            arn=f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{function}",
            principal_id=f"{'' if role is None else role.role_id}:{function}",
            name=function,
            role_arn=role_arn,
        )
        as_role = replace(ctx, principal=principal)
        scope = QueueScope(self._queues, self._deps.region)
        for action in QUEUE_ACTIONS:
            self._decider.decide(as_role, Need(action, queue_arn, scope), _role_denied(action))


def _role_denied(action: str) -> Callable[[str], ApiError]:
    name = action.split(":", 1)[1]
    message = f"The provided execution role does not have permissions to call {name} on SQS"
    return lambda _: InvalidParameterValueError(message)


def _same_pair(
    tx: Transaction, account_id: AccountId, function_arn: str, source_arn: str
) -> EventSourceMapping | None:
    """The mapping of this queue to exactly this function (ARN as given), if there is one."""
    after: str | None = None
    while True:  # bounded: each page moves past the last UUID read
        page = tx.event_source_mappings.page(account_id, after, _PAGE,
                                             function_arn=function_arn,
                                             event_source_arn=source_arn)  # fmt: skip
        for found in page:
            if found.function_arn == function_arn:
                return found
        if len(page) < _PAGE:
            return None
        after = page[-1].uuid


def _duplicate(existing: EventSourceMapping, function: str) -> str:
    return (
        f'An event source mapping with SQS arn (" {existing.event_source_arn} ") and function'
        f' (" {function} ") already exists. Please update or delete the existing mapping with'
        f" UUID {existing.uuid}"
    )


def _refuse_other_kinds(request: Mapping[str, Any], source: str) -> None:
    for member, message in _NOT_FOR_QUEUES.items():
        if member in request:
            raise InvalidParameterValueError(message.format(arn=source))
    for member in _NOT_YET:
        if member in request:
            raise InvalidParameterValueError(
                f"{member} is not supported by Stockade for event source mappings yet."
            )


def _check_batching(batch_size: int, window: int) -> None:
    if not 1 <= batch_size <= BATCH_SIZE_MAX:
        raise InvalidParameterValueError(
            f"BatchSize must be between 1 and {BATCH_SIZE_MAX} for SQS event sources."
        )
    if not 0 <= window <= WINDOW_S_MAX:
        raise InvalidParameterValueError(
            f"MaximumBatchingWindowInSeconds must be between 0 and {WINDOW_S_MAX}."
        )
    if batch_size > BATCH_SIZE_WITHOUT_WINDOW_MAX and window < 1:
        raise InvalidParameterValueError(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is"
            " greater than 10"
        )


def _filters(criteria: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not criteria:
        return ()
    given: Sequence[Mapping[str, Any]] = criteria.get("Filters") or ()
    if len(given) > FILTERS_MAX:
        raise InvalidParameterValueError(
            f"The number of filters ({len(given)}) exceeds the maximum of {FILTERS_MAX}."
        )
    patterns = []
    for entry in given:
        text = entry.get("Pattern")
        if not isinstance(text, str):
            raise InvalidParameterValueError(BAD_FILTER)
        try:
            parse_pattern(text)
        except EventPatternError:
            raise InvalidParameterValueError(BAD_FILTER) from None
        patterns.append(text)
    return tuple(patterns)


def _response_types(given: Sequence[str] | None) -> tuple[str, ...]:
    found = tuple(given or ())
    for value in found:
        if value != REPORT_BATCH_ITEM_FAILURES:
            raise InvalidParameterValueError(f"Unsupported FunctionResponseType: {value}")
    return found


def _max_concurrency(config: Mapping[str, Any] | None) -> int | None:
    if not config or "MaximumConcurrency" not in config:
        return None
    value = int(config["MaximumConcurrency"])
    if not MAX_CONCURRENCY_MIN <= value <= MAX_CONCURRENCY_MAX:
        raise InvalidParameterValueError(
            f"MaximumConcurrency must be between {MAX_CONCURRENCY_MIN} and {MAX_CONCURRENCY_MAX}."
        )
    return value


def _metrics(config: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """MetricsConfig.Metrics, stored and answered; Stockade keeps the mapping's counters
    whatever it says (`stockade stats --event-source-mapping`). The model's enum and length
    are checked at the edge; ErrorCount and KafkaMetrics are for Amazon MSK and self-managed
    Apache Kafka sources only (API reference, EventSourceMappingMetricsConfig)."""
    if config is None:
        return None
    given = tuple(config.get("Metrics") or ())
    for metric in given:
        if metric != METRICS_EVENT_COUNT:
            raise InvalidParameterValueError(
                f"Unsupported metric type {metric} for SQS event source mappings."
            )
    if len(set(given)) != len(given):
        raise InvalidParameterValueError("MetricsConfig.Metrics must not repeat a metric.")
    return given
