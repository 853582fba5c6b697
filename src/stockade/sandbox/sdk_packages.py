"""Find the AWS SDK for Python on this host, to mount it read-only in Python guests (as Lambda).

Lambda's Python runtimes ship boto3 and its dependencies in /var/runtime. We expose the host's
own installed copies: the distributions are found through boto3's metadata (its requirements,
followed transitively), never through hard-coded paths. Only the SDK's own top-level packages
are exposed, not the rest of the host's site-packages. Nothing here imports boto3.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path, PurePosixPath

ROOT_DISTRIBUTION = "boto3"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_MAX_DISTRIBUTIONS = 32  # bounds the walk; boto3's closure is 7


def sdk_package_paths(root: str = ROOT_DISTRIBUTION) -> tuple[Path, ...]:
    """Top-level package directories and modules of `root` and its runtime requirements.

    Returns () when boto3 is not installed: guests then simply cannot import it.
    """
    seen: set[str] = set()
    pending = [root]
    found: dict[str, Path] = {}
    while pending and len(seen) < _MAX_DISTRIBUTIONS:
        name = _canonical(pending.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for top, path in _top_levels(dist).items():
            found.setdefault(top, path)
        for requirement in dist.requires or ():
            if "extra ==" in requirement:  # optional extras (e.g. boto3[crt]) are not installed
                continue
            match = _NAME.match(requirement)
            if match:
                pending.append(match.group(1))
    return tuple(found[name] for name in sorted(found))


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _top_levels(dist: metadata.Distribution) -> dict[str, Path]:
    result: dict[str, Path] = {}
    for file in dist.files or ():
        parts = PurePosixPath(str(file)).parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith(".dist-info"):
            continue
        top = parts[0]
        if len(parts) == 1 and not top.endswith((".py", ".so")):
            continue  # .pth files and other loose metadata
        located = Path(str(dist.locate_file(top)))
        if located.exists():
            result[top] = located
    return result
