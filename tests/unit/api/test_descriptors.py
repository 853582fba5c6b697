from __future__ import annotations

import resource
import subprocess
import sys

from stockade.api.descriptors import needed_descriptors
from stockade.api.edge_limits import EdgeLimits

# Run in a child: the descriptor limit belongs to the whole process.
RAISE = """
import resource
from stockade.api.descriptors import ensure_descriptors
from stockade.api.edge_limits import EdgeLimits
resource.setrlimit(resource.RLIMIT_NOFILE, (256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
ensure_descriptors(EdgeLimits(max_connections=100, max_channel_connections=100))
print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])
"""


def test_the_soft_descriptor_limit_is_raised_to_fit_the_connection_limits() -> None:
    limits = EdgeLimits(max_connections=100, max_channel_connections=100)
    done = subprocess.run(
        [sys.executable, "-c", RAISE], capture_output=True, text=True, timeout=60, check=True
    )
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    needed = needed_descriptors(limits)
    expected = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    assert int(done.stdout) == expected
