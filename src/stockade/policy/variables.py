"""Policy variables: `${key}` placeholders filled from the request context.

Only documents of version 2012-10-17 have variables (older ones keep `${...}` as text). A variable
is `${key}` or `${key, 'default'}`; keys compare case-insensitively, like condition keys, and
spaces around the key and the default are ignored. `${*}`, `${?}` and `${$}` stand for the
literal characters. A key that is absent, or that has several values (only single-valued keys
can be variables), resolves to its default; without one the variable is unresolved and, as in
IAM, the whole statement that holds it does not apply. The statement checks that up front (see
`Template.required_keys`), so resolving here never fails.

Substituted values and escapes are literal text: a `*` inside a tag value never acts as a
wildcard. Text that only looks like a variable (no closing brace, bad default quoting, a name
that is not a `vendor:key` condition key) stays literal text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stockade.policy.matching import ARN_SEGMENTS, ArnGlob, Glob

Context = Mapping[str, tuple[str, ...]]
"""Request context: lower-cased key -> its values (empty or missing means absent)."""

_ESCAPES = frozenset({"*", "?", "$"})
_NOT_IN_NAMES = frozenset("\t\r\n${}'")  # inner spaces are fine: tag keys may hold them


@dataclass(frozen=True, slots=True)
class Variable:
    """One `${key}` placeholder; `key` is lower-cased."""

    key: str
    default: str | None

    def resolve(self, context: Context) -> str:
        """The substituted text. A key without default must be single-valued in the context."""
        values = context.get(self.key, ())
        if len(values) == 1 or self.default is None:
            return values[0]
        return self.default


# A fixed piece of text and whether it is literal (escapes) rather than policy pattern text.
Piece = tuple[str, bool]


@dataclass(frozen=True, slots=True)
class Template:
    """Policy text split into fixed pieces and variables."""

    parts: tuple[Piece | Variable, ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        """Split text at its variables; unrecognisable `${` sequences stay as text."""
        parts: list[Piece | Variable] = []
        pos = flushed = 0
        while (start := text.find("${", pos)) >= 0:
            found = _parse_at(text, start)
            if found is None:
                pos = start + 2
                continue
            part, end = found
            if start > flushed:
                parts.append((text[flushed:start], False))
            parts.append(part)
            pos = flushed = end
        if flushed < len(text) or not parts:
            parts.append((text[flushed:], False))
        return cls(tuple(parts))

    @property
    def variables(self) -> tuple[Variable, ...]:
        return tuple(part for part in self.parts if isinstance(part, Variable))

    def fixed_pieces(self) -> tuple[Piece, ...]:
        """The pieces of a template without variables (escapes already literal)."""
        return tuple(part for part in self.parts if not isinstance(part, Variable))

    def required_keys(self) -> frozenset[str]:
        """Keys that must be single-valued in the context for this text to resolve."""
        return frozenset(v.key for v in self.variables if v.default is None)

    def pieces(self, context: Context) -> tuple[Piece, ...]:
        """Resolve against a context that holds the required keys."""
        return tuple(
            (part.resolve(context), True) if isinstance(part, Variable) else part
            for part in self.parts
        )

    def glob(self, context: Context) -> Glob:
        """The resolved text as a glob (substitutions literal)."""
        return Glob.from_pieces(self.pieces(context))


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] == " ":
        pos += 1
    return pos


def _variable(name: str, default: str | None) -> Variable | None:
    vendor, colon, rest = name.partition(":")
    if not (vendor and colon and rest) or not _NOT_IN_NAMES.isdisjoint(name):
        return None
    return Variable(name.lower(), default)


def _parse_at(text: str, start: int) -> tuple[Piece | Variable, int] | None:
    """Parse the variable whose `${` is at `start`: (part, index after `}`), or None."""
    body = start + 2
    close = text.find("}", body)
    if close < 0:
        return None
    comma = text.find(",", body, close)
    if comma < 0:
        name = text[body:close].strip(" ")
        if name in _ESCAPES:
            return (name, True), close + 1
        variable = _variable(name, None)
        return None if variable is None else (variable, close + 1)
    opening = _skip_spaces(text, comma + 1)
    if not text.startswith("'", opening):
        return None
    ending = text.find("'", opening + 1)
    if ending < 0:
        return None
    brace = _skip_spaces(text, ending + 1)
    if not text.startswith("}", brace):
        return None
    variable = _variable(text[body:comma].strip(" "), text[opening + 1 : ending])
    return None if variable is None else (variable, brace + 1)


def split_arn_template(text: str) -> list[str] | None:
    """Split an ARN pattern into six segments, never at a colon inside a variable.

    Returns None when the text has fewer than six segments.
    """
    segments: list[str] = []
    pos = segment_start = 0
    while len(segments) < ARN_SEGMENTS - 1 and pos < len(text):
        if text.startswith("${", pos):
            found = _parse_at(text, pos)
            if found is not None:
                pos = found[1]
                continue
        if text[pos] == ":":
            segments.append(text[segment_start:pos])
            segment_start = pos + 1
        pos += 1
    if len(segments) < ARN_SEGMENTS - 1:
        return None
    segments.append(text[segment_start:])
    return segments


@dataclass(frozen=True, slots=True)
class ArnTemplate:
    """An ARN pattern holding variables: six segments, those with variables kept as templates."""

    segments: tuple[Glob | Template, ...]

    def required_keys(self) -> frozenset[str]:
        keys: frozenset[str] = frozenset()
        for segment in self.segments:
            if isinstance(segment, Template):
                keys |= segment.required_keys()
        return keys

    def resolve(self, context: Context) -> ArnGlob:
        """The pattern with variables substituted (the context holds the required keys)."""
        return ArnGlob(
            tuple(s.glob(context) if isinstance(s, Template) else s for s in self.segments)
        )


def compile_arn_pattern(text: str, *, variables: bool) -> ArnGlob | ArnTemplate | None:
    """Compile an ARN pattern, keeping templates only for segments that hold variables.

    Returns None when the text does not have six segments.
    """
    if not variables:
        return ArnGlob.compile(text)
    segments = split_arn_template(text)
    if segments is None:
        return None
    compiled: list[Glob | Template] = []
    for segment in segments:
        template = Template.parse(segment)
        compiled.append(
            template if template.variables else Glob.from_pieces(template.fixed_pieces())
        )
    if any(isinstance(segment, Template) for segment in compiled):
        return ArnTemplate(tuple(compiled))
    return ArnGlob(tuple(c for c in compiled if isinstance(c, Glob)))
