"""Invariants of a function configuration, checked before anything is stored.

Messages follow Lambda's where Lambda has one, and never contain environment values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date

from stockade.domain import limits
from stockade.domain.errors import InvalidConfigurationError
from stockade.domain.function import FunctionConfig
from stockade.domain.runtimes import RuntimeCatalog, RuntimeFamily

# module.function, where module may sit in sub-directories ("src/app.handler").
_SCRIPT_HANDLER = re.compile(r"[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.[A-Za-z_$][A-Za-z0-9_$]*")


def check_config(
    config: FunctionConfig,
    catalog: RuntimeCatalog,
    host_arch: str,
    today: date,
    creating: bool,
) -> None:
    """Raise InvalidConfigurationError on the first broken rule."""
    refusal = catalog.blocked(config.runtime, today, creating)
    if refusal is not None:
        raise InvalidConfigurationError(refusal)
    _check_runtime_and_handler(config, catalog)
    _check_range("MemorySize", config.memory_size, limits.MEMORY_MB_MIN, limits.MEMORY_MB_MAX)
    _check_range("Timeout", config.timeout, limits.TIMEOUT_S_MIN, limits.TIMEOUT_S_MAX)
    _check_range(
        "EphemeralStorage.Size",
        config.ephemeral_storage,
        limits.EPHEMERAL_MB_MIN,
        limits.EPHEMERAL_MB_MAX,
    )
    if len(config.layers) > limits.LAYERS_MAX:
        raise InvalidConfigurationError(f"Cannot reference more than {limits.LAYERS_MAX} layers.")
    if config.architecture != host_arch:
        raise InvalidConfigurationError(
            f"Architecture {config.architecture} is not supported on this Stockade host, "
            f"which runs {host_arch} only."
        )
    if config.tracing_mode != "PassThrough":
        raise InvalidConfigurationError(
            "TracingConfig Mode Active is not supported by Stockade; use PassThrough."
        )


def check_environment(variables: Mapping[str, str]) -> None:
    reserved = sorted(k for k in variables if k in limits.RESERVED_ENVIRONMENT_VARIABLES)
    if reserved:
        raise InvalidConfigurationError(
            "Lambda was unable to configure your environment variables because the environment"
            " variables you have provided contains reserved keys that are currently not"
            " supported for modification. Reserved keys used in this request:"
            f" {', '.join(reserved)}"
        )
    size = len(json.dumps(dict(variables), separators=(",", ":")).encode("utf-8"))
    if size > limits.ENVIRONMENT_BYTES_MAX:
        # Lambda quotes the measured string here; it holds secrets, so Stockade does not.
        raise InvalidConfigurationError(
            "Lambda was unable to configure your environment variables because the environment"
            f" variables you have provided exceeded the 4KB limit. Size measured: {size} bytes."
        )


def _check_runtime_and_handler(config: FunctionConfig, catalog: RuntimeCatalog) -> None:
    info = catalog.get(config.runtime)
    if info is None:
        raise InvalidConfigurationError(
            f"The runtime parameter of {config.runtime} is not available on this Stockade host."
            f" Available runtimes: {', '.join(catalog.identifiers())}."
        )
    if not config.handler:
        raise InvalidConfigurationError(
            "Runtime and Handler are mandatory parameters for functions created with"
            " deployment packages."
        )
    if info.family is not RuntimeFamily.PROVIDED and not _SCRIPT_HANDLER.fullmatch(config.handler):
        raise InvalidConfigurationError(
            f"Handler '{config.handler}' is not valid for runtime {config.runtime}: expected"
            " FILE.FUNCTION, e.g. lambda_function.lambda_handler."
        )


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidConfigurationError(
            f"{name} value {value} is out of range: it must be between {low} and {high}."
        )
