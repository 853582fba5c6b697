"""Enough file descriptors for the connection limits, or a warning that there are not.

A server that runs out of descriptors cannot accept at all (asyncio then stops accepting for a
second at a time), which would turn the connection limits into an outage for everyone. The
soft limit is raised towards the hard one when the configured connections need it.
"""

from __future__ import annotations

import logging
import resource

from stockade.api.edge_limits import EdgeLimits

LOG = logging.getLogger(__name__)

# Databases, logs, the audit trail, and each execution environment's sockets and pipes.
RESERVED_DESCRIPTORS = 2048


def needed_descriptors(limits: EdgeLimits) -> int:
    return limits.max_connections + limits.max_channel_connections + RESERVED_DESCRIPTORS


def ensure_descriptors(limits: EdgeLimits) -> None:
    needed = needed_descriptors(limits)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft < needed:
        LOG.warning(
            "only %d file descriptors are available; the connection limits (%d TCP, %d channel)"
            " need about %d: lower them or raise the limit (ulimit -n)",
            soft, limits.max_connections, limits.max_channel_connections, needed,
        )  # fmt: skip
