"""The operation kernel: declared operations, run as parse -> authorize -> run -> audit ->
serialize, and nothing else (see `pipeline`)."""

from __future__ import annotations

from stockade.kernel.auditing import AuditStep, DataEventSelection, Trace
from stockade.kernel.authorizer import PolicyAuthorizer
from stockade.kernel.exchange import EdgeFacts, Exchange
from stockade.kernel.pipeline import Kernel

__all__ = [
    "AuditStep",
    "DataEventSelection",
    "EdgeFacts",
    "Exchange",
    "Kernel",
    "PolicyAuthorizer",
    "Trace",
]
