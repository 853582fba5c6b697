"""Operator commands (accounts, compliance, history, counters, the trail's key) as a declared
service of their own, reachable only through the operator channel (see model.json)."""

from __future__ import annotations

from importlib.resources import files

from stockade.services.operator.service import (
    SERVICE,
    CounterReader,
    OperatorDeps,
    OperatorService,
)

__all__ = ["SERVICE", "CounterReader", "OperatorDeps", "OperatorService", "model_text"]


def model_text() -> str:
    """The operator API's model, in botocore's format (the edge and kernel parse it)."""
    return files("stockade.services.operator").joinpath("model.json").read_text(encoding="utf-8")
