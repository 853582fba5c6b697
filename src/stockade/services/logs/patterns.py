"""Filter patterns: the subset of CloudWatch Logs' syntax Stockade evaluates.

Supported: terms and "quoted phrases" separated by spaces; an event matches when its message
contains every one of them (case-sensitive, anywhere in the message). An empty pattern matches
every event. Unquoted terms are letters, digits and underscores, as CloudWatch requires; a
phrase may contain anything, with `\\"` and `\\\\` as escapes.

Refused with InvalidParameterException rather than misread: `?term` (any of), `-term`
(exclusion), JSON patterns `{ $.key = ... }`, space-delimited patterns `[a, b]`, `%regex%`,
and any other unquoted punctuation.
"""

from __future__ import annotations

import re

from stockade.services.logs.errors import InvalidParameterError

_TERM = re.compile(r"[A-Za-z0-9_]+")
_UNSUPPORTED = {
    "?": "'?' (match any of several terms)",
    "-": "'-' (exclude a term)",
    "{": "JSON filter patterns",
    "[": "space-delimited filter patterns",
    "%": "regular expressions",
}


def parse_filter_pattern(pattern: str | None) -> tuple[str, ...]:
    """The terms a message must all contain."""
    if pattern is None:
        return ()
    terms: list[str] = []
    index, end = 0, len(pattern)
    while index < end:  # every step consumes at least one character
        char = pattern[index]
        if char.isspace():
            index += 1
        elif char == '"':
            phrase, index = _phrase(pattern, index + 1)
            if phrase:
                terms.append(phrase)
        else:
            match = _TERM.match(pattern, index)
            if match is None:
                raise InvalidParameterError(_unsupported(char, starts_term=True))
            index = match.end()
            if index < end and not pattern[index].isspace():
                raise InvalidParameterError(_unsupported(pattern[index], starts_term=False))
            terms.append(match.group())
    return tuple(terms)


def _phrase(pattern: str, index: int) -> tuple[str, int]:
    chars: list[str] = []
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern) and pattern[index + 1] in '"\\':
            chars.append(pattern[index + 1])
            index += 2
        elif char == '"':
            return "".join(chars), index + 1
        else:
            chars.append(char)
            index += 1
    raise InvalidParameterError("Invalid filter pattern: a quoted phrase is not closed.")


def _unsupported(char: str, starts_term: bool) -> str:
    what = _UNSUPPORTED.get(char) if starts_term else None
    if what is not None:
        return (
            f"Invalid filter pattern: Stockade does not support {what} in filter patterns;"
            ' use terms and "quoted phrases", all of which must match.'
        )
    return (
        f"Invalid filter pattern: '{char}' must be inside a quoted phrase; unquoted terms are"
        " letters, digits and underscores."
    )
