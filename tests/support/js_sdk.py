"""The AWS SDK for JavaScript v3, installed from npm once into a cache that git ignores.

Tests drive it with `node`, trusting the test server's CA through NODE_EXTRA_CA_CERTS. The
install is shared by later runs: only a missing client package triggers `npm install`.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path

from tests.support.server import REPO

CACHE = REPO / ".cache" / "js-sdk-v3"
CLIENTS = (
    "@aws-sdk/client-cloudtrail",
    "@aws-sdk/client-sqs",
    "@aws-sdk/client-lambda",
    "@aws-sdk/client-s3",
)
_INSTALL_TIMEOUT_S = 600


def js_sdk_dir() -> Path | None:
    """The directory whose node_modules holds the clients; None without node and npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:  # parallel test runs install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = [c for c in CLIENTS if not (CACHE / "node_modules" / c / "package.json").exists()]
        if missing:
            manifest = CACHE / "package.json"
            if not manifest.exists():
                manifest.write_text(json.dumps({"name": "stockade-js-sdk-tests", "private": True}))
            subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *missing],
                cwd=CACHE, check=True, timeout=_INSTALL_TIMEOUT_S, capture_output=True,
            )  # fmt: skip
    return CACHE
