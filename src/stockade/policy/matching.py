"""Wildcard matching for the policy language: `*`/`?` globs and ARNs compared segment by segment.

No regular expression is ever built from policy text. A glob is cut at its `*`s into chunks of
fixed length (a `?` stands for exactly one character). The first chunk must sit at the start of
the subject, the last at the end, and the middle ones are placed left to right at their earliest
fit: with fixed-length chunks the earliest fit never hurts a later chunk, so no backtracking is
needed. Chunks without `?` use `str.startswith`/`str.find`; the cost is O(len(subject) x
len(pattern)) in the worst case and usually linear.

Actions are matched case-insensitively (callers fold both sides with `str.lower`); resources and
ARN condition values case-sensitively. An ARN has six colon-separated segments (`arn`,
partition, service, region, account, resource); the resource segment keeps any further colons.
`ArnLike` and `Resource` match each segment on its own, so a `*` never crosses a segment border.
(The IAM guide adds that a `*` ending a segment "can expand" past a colon; we do not, so a
pattern never matches more than its segments say - the ArnLike behaviour the guide specifies.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ARN_SEGMENTS = 6

# One chunk between stars: (its text if it has no `?`, its length, and for a chunk with `?`s the
# runs of literal characters as (offset, text)).
_Chunk = tuple[str | None, int, tuple[tuple[int, str], ...]]


def _chunk(chars: Sequence[str | None]) -> _Chunk:
    """Build a chunk from characters where None stands for a `?`."""
    if None not in chars:
        text = "".join(c for c in chars if c is not None)
        return (text, len(text), ())
    runs: list[tuple[int, str]] = []
    start = 0
    for offset, char in enumerate([*chars, None]):
        if char is None:
            if offset > start:
                run = "".join(c for c in chars[start:offset] if c is not None)
                runs.append((start, run))
            start = offset + 1
    return (None, len(chars), tuple(runs))


def _fits(subject: str, pos: int, chunk: _Chunk) -> bool:
    """Whether the chunk fits at `pos`; callers make sure the subject has room for it."""
    plain, _, runs = chunk
    if plain is not None:
        return subject.startswith(plain, pos)
    return all(subject.startswith(run, pos + offset) for offset, run in runs)


def _find(subject: str, chunk: _Chunk, start: int, end: int) -> int:
    """Earliest position p in [start, end - len(chunk)] where the chunk fits, or -1."""
    plain, length, _ = chunk
    if plain is not None:
        return subject.find(plain, start, end)
    for pos in range(start, end - length + 1):
        if _fits(subject, pos, chunk):
            return pos
    return -1


@dataclass(frozen=True, slots=True)
class Glob:
    """A compiled `*`/`?` pattern; build with `Glob.compile` or `Glob.from_pieces`."""

    pattern: str
    chunks: tuple[_Chunk, ...]
    # Fast paths, derived: the text of a wildcard-free pattern; the two ends of `head*tail`.
    exact: str | None = field(init=False, repr=False, compare=False)
    ends: tuple[str, str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        plain = [chunk[0] for chunk in self.chunks]
        exact = plain[0] if len(plain) == 1 else None
        ends = None
        if len(plain) == 2 and plain[0] is not None and plain[1] is not None:
            ends = (plain[0], plain[1])
        object.__setattr__(self, "exact", exact)
        object.__setattr__(self, "ends", ends)

    @classmethod
    def compile(cls, pattern: str, *, fold: bool = False) -> Glob:
        """Compile policy text where `*` and `?` are wildcards; `fold` lower-cases it."""
        return cls.from_pieces(((pattern, False),), fold=fold)

    @classmethod
    def from_pieces(cls, pieces: Iterable[tuple[str, bool]], *, fold: bool = False) -> Glob:
        """Compile pieces of (text, is_literal): wildcards count only in non-literal pieces.

        Literal pieces carry substituted policy variables and the `${*}`-style escapes.
        """
        chunks: list[_Chunk] = []
        current: list[str | None] = []
        shown: list[str] = []
        for raw, is_literal in pieces:
            text = raw.lower() if fold else raw
            shown.append(text)
            if is_literal:
                current.extend(text)
                continue
            for char in text:
                if char == "*":
                    chunks.append(_chunk(current))
                    current = []
                elif char == "?":
                    current.append(None)
                else:
                    current.append(char)
        chunks.append(_chunk(current))
        return cls("".join(shown), tuple(chunks))

    def matches(self, subject: str) -> bool:
        """Whether the whole subject matches (callers fold case beforehand when needed)."""
        if self.exact is not None:
            return subject == self.exact
        ends = self.ends
        if ends is not None:
            head, tail = ends
            return (
                len(subject) >= len(head) + len(tail)
                and subject.startswith(head)
                and subject.endswith(tail)
            )
        chunks = self.chunks
        first = chunks[0]
        if len(chunks) == 1:
            return len(subject) == first[1] and _fits(subject, 0, first)
        last = chunks[-1]
        start = first[1]
        end = len(subject) - last[1]
        if end < start or not _fits(subject, 0, first) or not _fits(subject, end, last):
            return False
        for index in range(1, len(chunks) - 1):
            chunk = chunks[index]
            found = _find(subject, chunk, start, end)
            if found < 0:
                return False
            start = found + chunk[1]
        return True


def split_arn(text: str) -> tuple[str, ...] | None:
    """The six segments of an ARN (the last keeps its colons), or None if `text` has fewer."""
    parts = text.split(":", ARN_SEGMENTS - 1)
    return tuple(parts) if len(parts) == ARN_SEGMENTS else None


@dataclass(frozen=True, slots=True)
class ArnGlob:
    """An ARN pattern whose six segments are matched independently (ArnLike semantics)."""

    segments: tuple[Glob, ...]
    # Fast path, derived: the first five segments when none of them has a wildcard.
    head: tuple[str, ...] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        exact = tuple(glob.exact for glob in self.segments[:-1])
        head = None if None in exact else tuple(e for e in exact if e is not None)
        object.__setattr__(self, "head", head)

    @classmethod
    def compile(cls, pattern: str) -> ArnGlob | None:
        """Compile an ARN pattern, or None if it does not have six segments."""
        parts = split_arn(pattern)
        if parts is None:
            return None
        return cls(tuple(Glob.compile(part) for part in parts))

    def matches(self, arn: tuple[str, ...] | None) -> bool:
        """Whether split ARN segments (see `split_arn`) match; None never matches."""
        if arn is None:
            return False
        if self.head is not None:
            return arn[:-1] == self.head and self.segments[-1].matches(arn[-1])
        return all(glob.matches(part) for glob, part in zip(self.segments, arn, strict=True))
