"""Lambda's advanced logging controls as an environment applies them: format and level filters.

With LogFormat JSON, Lambda filters on the host side what reaches the log group: application
lines below `ApplicationLogLevel` and platform records below `SystemLogLevel` are dropped.
An application line's level is the `"level"` of a JSON object line; a line that is not JSON, or
has no valid level, is INFO ("If the "level" value field is invalid or missing, Lambda assigns
the log output the level INFO": Lambda developer guide, "Log-level filtering"). Python's
logging names WARNING and CRITICAL are read as WARN and FATAL.

The filter is the host's, so a function cannot switch it off; a function can of course claim
any level for its own lines, which only decides whether its own output is kept. Platform
records are never taken from the guest's output (see `platform_log`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class LogFormat(StrEnum):
    TEXT = "Text"
    JSON = "JSON"


class Level(IntEnum):
    TRACE = 1
    DEBUG = 2
    INFO = 3
    WARN = 4
    ERROR = 5
    FATAL = 6


_ALIASES = {"WARNING": Level.WARN, "CRITICAL": Level.FATAL}


def parse_level(name: object) -> Level | None:
    if not isinstance(name, str):
        return None
    upper = name.strip().upper()
    if upper in _ALIASES:
        return _ALIASES[upper]
    return Level.__members__.get(upper)


@dataclass(frozen=True)
class LogControls:
    """What an environment's output goes through; Text means no filtering at all."""

    log_format: LogFormat = LogFormat.TEXT
    application_level: Level = Level.INFO
    system_level: Level = Level.INFO

    @property
    def is_json(self) -> bool:
        return self.log_format is LogFormat.JSON

    def keeps_application(self, line: str) -> bool:
        if not self.is_json:
            return True
        return application_level(line) >= self.application_level

    def keeps_system(self, level: Level) -> bool:
        return not self.is_json or level >= self.system_level


def application_level(line: str) -> Level:
    """The level Lambda assigns an application log line (INFO unless JSON says otherwise)."""
    text = line.lstrip()
    if not text.startswith("{"):
        return Level.INFO
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):  # hostile nesting is just not a level
        return Level.INFO
    if not isinstance(doc, dict):
        return Level.INFO
    return parse_level(doc.get("level")) or Level.INFO
