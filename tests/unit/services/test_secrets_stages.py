"""Staging labels and pruning (pure), and random passwords' alphabets."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from stockade.domain.secrets import SecretVersion
from stockade.services.secretsmanager.errors import InvalidParameterError, LimitExceededError
from stockade.services.secretsmanager.passwords import random_password
from stockade.services.secretsmanager.stages import add_version, move_stage, prune

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def version(n: int, stages: tuple[str, ...] = (), at: dt.datetime = T0) -> SecretVersion:
    return SecretVersion(f"v{n:03d}", at, stages)


def labels(versions: tuple[SecretVersion, ...]) -> dict[str, tuple[str, ...]]:
    return {v.version_id: v.stages for v in versions}


def test_current_moves_and_leaves_previous_behind() -> None:
    versions = add_version((), version(1), ("AWSCURRENT",), T0)
    versions = add_version(versions, version(2), ("AWSCURRENT",), T0)
    versions = add_version(versions, version(3), ("AWSCURRENT",), T0)
    assert labels(versions) == {"v001": (), "v002": ("AWSPREVIOUS",), "v003": ("AWSCURRENT",)}


def test_moving_a_label_onto_the_version_that_has_it_changes_nothing() -> None:
    versions = add_version((), version(1), ("AWSCURRENT",), T0)
    assert move_stage(versions, "AWSCURRENT", "v001", "v001", T0) == versions


def test_more_than_20_labels_are_refused() -> None:
    versions = add_version((), version(1), tuple(f"l{i}" for i in range(20)), T0)
    with pytest.raises(LimitExceededError):
        add_version(versions, version(2), ("one-more",), T0)


def test_pruning_keeps_labelled_and_young_versions() -> None:
    old = tuple(version(i, at=T0) for i in range(60))
    young = tuple(version(100 + i, at=T0 + dt.timedelta(hours=30)) for i in range(50))
    labelled = (version(999, ("AWSCURRENT",), T0),)
    kept = prune((*old, *young, *labelled), T0 + dt.timedelta(hours=36))
    assert len(kept) == 100
    ids = {v.version_id for v in kept}
    assert "v999" in ids
    assert all(f"v{100 + i:03d}" in ids for i in range(50))  # younger than 24 hours
    assert "v000" not in ids  # the oldest deprecated went first


def test_passwords_use_every_allowed_character_and_nothing_else() -> None:
    seen: set[str] = set()
    for _ in range(50):  # bounded: 50 draws of 200 characters
        seen |= set(random_password({"PasswordLength": 200, "ExcludeCharacters": "xyz"}))
    allowed = set(string.ascii_letters + string.digits + string.punctuation) - set("xyz")
    assert seen == allowed


def test_a_password_of_excluded_everything_is_refused() -> None:
    with pytest.raises(InvalidParameterError):
        random_password({"ExcludeCharacters": string.ascii_letters + string.digits
                         + string.punctuation})  # fmt: skip
