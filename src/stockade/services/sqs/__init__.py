"""The SQS API subset (AWS JSON protocol) over the durable queue engine."""

from __future__ import annotations

from stockade.services.sqs.service import SqsService

__all__ = ["SqsService"]
