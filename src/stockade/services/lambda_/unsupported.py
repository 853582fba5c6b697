"""Parameters of Lambda's API whose behaviour Stockade does not provide (yet) are refused.

Accepting a setting and ignoring it would be worse than refusing it: a user who asks for a
dead-letter queue or a customer-managed key must not believe they have one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stockade.services.lambda_.errors import InvalidParameterValueError

_NOT_YET = {
    "FileSystemConfigs": "file systems cannot be mounted into Stockade environments",
    "ImageConfig": "container images are not supported; use Zip packages",
    "CapacityProviderConfig": "capacity providers are not supported",
    "DurableConfig": "durable functions are not supported",
    "RuntimeConfig": "runtime configuration is not supported",
    "AcceleratorConfig": "accelerators are not supported",
    "PublishTo": "PublishTo is not supported; use Publish",
}


def refuse_unsupported(request: Mapping[str, Any]) -> None:
    """Raise InvalidParameterValueException naming the first unsupported setting present."""
    for member, why in _NOT_YET.items():
        value = request.get(member)
        if _is_set(value):
            raise InvalidParameterValueError(f"{member} is not supported by Stockade: {why}.")
    if request.get("PackageType", "Zip") != "Zip":
        raise InvalidParameterValueError(
            "PackageType Image is not supported by Stockade; deploy a Zip package."
        )
    snap = request.get("SnapStart") or {}
    if snap.get("ApplyOn", "None") != "None":
        raise InvalidParameterValueError("SnapStart is not supported by Stockade.")


def refuse_non_zip_code(code: Mapping[str, Any]) -> bytes:
    """The ZipFile of a FunctionCode / UpdateFunctionCode request, refusing other sources."""
    others = [k for k in ("S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri") if code.get(k)]
    if others:
        raise InvalidParameterValueError(
            f"Stockade accepts code only as ZipFile; {', '.join(others)} is not supported."
        )
    if code.get("SourceKMSKeyArn"):
        raise InvalidParameterValueError("SourceKMSKeyArn is not supported by Stockade.")
    data = code.get("ZipFile")
    if not data:
        raise InvalidParameterValueError("Please provide the function code as ZipFile.")
    return bytes(data)


def _is_set(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, Mapping):
        return any(_is_set(v) for v in value.values())
    if isinstance(value, (list, tuple, str)):
        return len(value) > 0
    return True
