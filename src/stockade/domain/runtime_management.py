"""Runtime management: which version of a runtime's files a function version runs.

A runtime version is identified by the SHA-256 of its files (hex), shown as Lambda's
`RuntimeVersionArn`, `arn:aws:lambda:<region>::runtime:<64 hex>` (the form Lambda prints in
INIT_START lines and returns from GetRuntimeManagementConfig). The update modes are Lambda's
(botocore model, `UpdateRuntimeOn`; AWS "Runtime update modes"):

- Auto: always the newest version Stockade ships for the runtime;
- FunctionUpdate: the version that was newest at the function version's last code or
  configuration update (a published version keeps the one it was published with);
- Manual: the pinned version, indefinitely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class UpdateRuntimeOn(StrEnum):
    AUTO = "Auto"
    FUNCTION_UPDATE = "FunctionUpdate"
    MANUAL = "Manual"


_DIGEST = re.compile(r"[0-9a-f]{64}")
_ARN = re.compile(r"arn:aws:lambda:(?P<region>[a-z0-9-]+)::runtime:(?P<digest>[0-9a-f]{64})")


@dataclass(frozen=True)
class RuntimeManagement:
    """Persisted on every function version; old rows load as Auto with nothing recorded."""

    update_on: UpdateRuntimeOn = UpdateRuntimeOn.AUTO
    pinned: str = ""  # Manual: the digest pinned
    at_update: str = ""  # the newest digest when the version's code/config last changed

    def __post_init__(self) -> None:
        for value in (self.pinned, self.at_update):
            if value and not _DIGEST.fullmatch(value):
                raise ValueError("a runtime version is 64 lowercase hex digits")
        if (self.update_on is UpdateRuntimeOn.MANUAL) != bool(self.pinned):
            raise ValueError("exactly the Manual mode pins a runtime version")

    def effective(self, newest: str) -> str:
        """The digest this version runs, given the newest shipped one ("" if none is known)."""
        if self.update_on is UpdateRuntimeOn.MANUAL:
            return self.pinned
        if self.update_on is UpdateRuntimeOn.FUNCTION_UPDATE and self.at_update:
            return self.at_update
        return newest

    def stamped(self, newest: str) -> RuntimeManagement:
        """After a code or configuration update: FunctionUpdate moves to `newest`."""
        return RuntimeManagement(self.update_on, self.pinned, newest)


def runtime_version_arn(region: str, digest: str) -> str:
    return f"arn:aws:lambda:{region}::runtime:{digest}"


def parse_runtime_version_arn(arn: str) -> tuple[str, str] | None:
    """(region, digest) of a Stockade runtime version ARN, or None for any other form."""
    found = _ARN.fullmatch(arn)
    return (found["region"], found["digest"]) if found else None
