"""Staging labels and versions, as Secrets Manager moves them (pure).

- A label is attached to at most one version of a secret; attaching it elsewhere moves it.
- When AWSCURRENT moves, the version that had it gets AWSPREVIOUS (moved from wherever it was).
- AWSCURRENT cannot be removed outright, only moved to another version.
- A version left with no label is deprecated: it stays (ListSecretVersionIds shows it with
  IncludeDeprecated) until the secret has more than 100 versions; then the oldest deprecated
  ones go, but never one created less than 24 hours ago (Secrets Manager User Guide, "Secret
  versions"; quotas: 20 staging labels per secret).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from stockade.domain.secrets import (
    CURRENT,
    PREVIOUS,
    STAGES_PER_VERSION_MAX,
    VERSIONS_MAX,
    SecretVersion,
)
from stockade.services.secretsmanager.errors import (
    InvalidParameterError,
    LimitExceededError,
    ResourceNotFoundError,
)

_PRUNE_AGE = timedelta(hours=24)


def _without(versions: tuple[SecretVersion, ...], stage: str) -> tuple[SecretVersion, ...]:
    return tuple(
        replace(v, stages=tuple(s for s in v.stages if s != stage)) if stage in v.stages else v
        for v in versions
    )


def _attach(
    versions: tuple[SecretVersion, ...], stage: str, version_id: str
) -> tuple[SecretVersion, ...]:
    """`stage` on `version_id` only; AWSCURRENT's old holder becomes AWSPREVIOUS."""
    old = next((v for v in versions if stage in v.stages), None)
    if old is not None and old.version_id == version_id:
        return versions
    versions = _without(versions, stage)
    if stage == CURRENT and old is not None:
        versions = _without(versions, PREVIOUS)
        versions = tuple(
            replace(v, stages=(*v.stages, PREVIOUS)) if v.version_id == old.version_id else v
            for v in versions
        )
    return tuple(
        replace(v, stages=(*v.stages, stage)) if v.version_id == version_id else v for v in versions
    )


def _check_labels(versions: tuple[SecretVersion, ...]) -> tuple[SecretVersion, ...]:
    labels = {stage for v in versions for stage in v.stages}
    if len(labels) > STAGES_PER_VERSION_MAX:
        raise LimitExceededError(
            f"A secret can have at most {STAGES_PER_VERSION_MAX} staging labels."
        )
    return versions


def add_version(
    versions: tuple[SecretVersion, ...], new: SecretVersion, stages: tuple[str, ...], now: datetime
) -> tuple[SecretVersion, ...]:
    """`versions` with `new` added and `stages` moved onto it, pruned as Secrets Manager
    prunes deprecated versions."""
    result = (*versions, replace(new, stages=()))
    for stage in dict.fromkeys(stages):
        result = _attach(result, stage, new.version_id)
    return prune(_check_labels(result), now)


def move_stage(
    versions: tuple[SecretVersion, ...],
    stage: str,
    remove_from: str | None,
    move_to: str | None,
    now: datetime,
) -> tuple[SecretVersion, ...]:
    """UpdateSecretVersionStage's change."""
    holder = next((v for v in versions if stage in v.stages), None)
    for version_id in (remove_from, move_to):
        if version_id is not None and all(v.version_id != version_id for v in versions):
            raise ResourceNotFoundError(
                f"Secrets Manager can't find the specified secret value for VersionId: {version_id}"
            )
    if remove_from is not None and (holder is None or holder.version_id != remove_from):
        raise InvalidParameterError(
            f"The staging label {stage} is not currently attached to version {remove_from}."
        )
    if move_to is None:
        if remove_from is None:
            raise InvalidParameterError(
                "You must specify either MoveToVersionId or RemoveFromVersionId."
            )
        if stage == CURRENT:
            raise InvalidParameterError(
                "You can only move staging label AWSCURRENT to a different secret version."
                " It can't be completely removed."
            )
        return prune(_without(versions, stage), now)
    if holder is not None and holder.version_id != move_to and remove_from is None:
        raise InvalidParameterError(
            f"The parameter RemoveFromVersionId can't be empty. Staging label {stage} is"
            f" currently attached to version {holder.version_id}, so you must explicitly"
            " reference that version in RemoveFromVersionId."
        )
    return prune(_check_labels(_attach(versions, stage, move_to)), now)


def prune(versions: tuple[SecretVersion, ...], now: datetime) -> tuple[SecretVersion, ...]:
    excess = len(versions) - VERSIONS_MAX
    if excess <= 0:
        return versions
    removable = sorted(
        (v for v in versions if not v.stages and now - v.created >= _PRUNE_AGE),
        key=lambda v: v.created,
    )
    gone = {v.version_id for v in removable[:excess]}
    return tuple(v for v in versions if v.version_id not in gone)


def version_stages(versions: tuple[SecretVersion, ...]) -> dict[str, list[str]]:
    """VersionIdsToStages: versions that have labels (deprecated ones are not shown)."""
    return {v.version_id: list(v.stages) for v in versions if v.stages}
