"""The STS API subset (query protocol): GetCallerIdentity and AssumeRole."""

from __future__ import annotations

from stockade.services.sts.service import StsService

__all__ = ["StsService"]
