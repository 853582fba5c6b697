"""A function's LoggingConfig: read from CreateFunction / UpdateFunctionConfiguration, shown back.

Lambda's rules (developer guide, "Configuring advanced logging controls"; the message is
Lambda's own, as CloudFormation and SDK users quote it):
- LogFormat is Text unless JSON is asked for; the log levels exist only with JSON. A level with
  Text (or with no LogFormat) is refused with InvalidParameterValueException.
- With JSON, ApplicationLogLevel and SystemLogLevel default to INFO and are always shown; with
  Text they are not shown at all.
- LogGroup defaults to /aws/lambda/<function name> and is always shown.
- A LoggingConfig in an update replaces the whole setting (members left out go back to their
  defaults); an update without one keeps it.
Enum values and the LogGroup pattern are checked at the edge against the service model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stockade.domain.function import FunctionConfig, FunctionVersion
from stockade.sandbox.log_controls import Level, LogControls, LogFormat
from stockade.services.lambda_.errors import InvalidParameterValueError
from stockade.shapes import lambda_ as shapes

TEXT_WITH_LEVEL = (
    'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your'
    ' request or change the LogFormat to "JSON" and try again.'
)
DEFAULT_LEVEL = "INFO"


def settings(logging: Mapping[str, Any] | None) -> dict[str, Any]:
    """The FunctionConfig fields a request's LoggingConfig sets (all of them)."""
    given = logging or {}
    log_format = given.get("LogFormat") or LogFormat.TEXT.value
    app_level = given.get("ApplicationLogLevel")
    system_level = given.get("SystemLogLevel")
    if log_format != LogFormat.JSON.value:
        if app_level is not None or system_level is not None:
            raise InvalidParameterValueError(TEXT_WITH_LEVEL)
        return {
            "log_group": given.get("LogGroup") or None,
            "log_format": LogFormat.TEXT.value,
            "application_log_level": None,
            "system_log_level": None,
        }
    return {
        "log_group": given.get("LogGroup") or None,
        "log_format": LogFormat.JSON.value,
        "application_log_level": app_level or DEFAULT_LEVEL,
        "system_log_level": system_level or DEFAULT_LEVEL,
    }


def shown(version: FunctionVersion) -> shapes.LoggingConfig:
    config = version.config
    if config.log_format != LogFormat.JSON.value:
        return {"LogFormat": LogFormat.TEXT.value, "LogGroup": version.log_group()}
    return {
        "LogFormat": LogFormat.JSON.value,
        "ApplicationLogLevel": config.application_log_level or DEFAULT_LEVEL,
        "SystemLogLevel": config.system_log_level or DEFAULT_LEVEL,
        "LogGroup": version.log_group(),
    }


def controls(config: FunctionConfig) -> LogControls:
    """What the function's environments apply."""
    if config.log_format != LogFormat.JSON.value:
        return LogControls()
    return LogControls(
        log_format=LogFormat.JSON,
        application_level=Level[config.application_log_level or DEFAULT_LEVEL],
        system_level=Level[config.system_log_level or DEFAULT_LEVEL],
    )
