"""An invocation's trace: X-Ray's tracing header, and the lineage that counts a chain's hops.

Lambda hands every invocation a tracing header (`_X_AMZN_TRACE_ID`, and the Runtime API's
`Lambda-Runtime-Trace-Id`), `Root=1-<8 hex epoch>-<24 hex>;Parent=<16 hex>;Sampled=0`, and
tracks recursive loops with a `Lineage` entry in it (AWS Compute Blog, "AWS Lambda introduces
recursive loop detection APIs", 2024: "an AWS X-Ray trace header primitive called lineage").
The entry's published shape is `<counter>:<8 hex hash>:<counter>` (X-Ray propagators accept
counters up to 32767 and 255); Stockade writes the chain's count for the function, the hash of
the function's ARN, and 0.

The lineage Stockade counts with is host-side: it travels with the invocation record (the
queued event, the environment's current invocation), never read back from a header a guest
wrote, so a guest cannot reset it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

# Lambda stops the invocation after a function ran 16 times in one chain (AWS What's New,
# 2023-07-13: "If a function is invoked by the same triggering event more than 16 times,
# Lambda will stop the next invocation").
HOP_LIMIT = 16
LINEAGE_COUNT_MAX = 32767  # the first lineage counter's bound in X-Ray's header format
LINEAGE_FUNCTIONS_MAX = 32  # a chain remembers this many functions (the most-invoked kept)

_ROOT = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")
_PARENT = re.compile(r"^[0-9a-f]{16}$")
_KEY = re.compile(r"^[0-9a-f]{8}$")


def function_key(unqualified_arn: str) -> str:
    """The lineage's name for a function: versions and aliases count as the function."""
    return hashlib.sha256(unqualified_arn.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Lineage:
    """How many times each function ran in one chain of requests.

    Bounded: past `LINEAGE_FUNCTIONS_MAX` functions the least-run are forgotten, and `floor`
    keeps the highest count forgotten; a function the lineage does not name counts as having
    run `floor` times, so a chain through many functions cannot reset anyone's count."""

    counts: tuple[tuple[str, int], ...] = ()  # (function key, count), sorted by key
    floor: int = 0

    def count(self, key: str) -> int:
        return dict(self.counts).get(key, self.floor)

    def after(self, key: str) -> Lineage:
        """The lineage of the next invocation of `key` in this chain."""
        counts = dict(self.counts)
        counts[key] = min(self.count(key) + 1, LINEAGE_COUNT_MAX)
        floor = self.floor
        while len(counts) > LINEAGE_FUNCTIONS_MAX:
            forgotten = min((kv for kv in counts.items() if kv[0] != key),
                            key=lambda kv: (kv[1], kv[0]))  # fmt: skip
            floor = max(floor, forgotten[1])
            del counts[forgotten[0]]
        return Lineage(tuple(sorted(counts.items())), floor)

    def encode(self) -> str:
        return ",".join([f"*:{self.floor}"] + [f"{key}:{count}" for key, count in self.counts])

    @classmethod
    def decode(cls, text: str) -> Lineage:
        """Strict: the encoding is Stockade's own (queued events), anything else is refused."""
        counts: dict[str, int] = {}
        floor = 0
        for part in filter(None, text.split(",")):
            key, _, number = part.partition(":")
            if not (_KEY.match(key) or key == "*") or not number.isdigit():
                raise ValueError("malformed lineage")
            if key == "*":
                floor = min(int(number), LINEAGE_COUNT_MAX)
            else:
                counts[key] = min(int(number), LINEAGE_COUNT_MAX)
        if len(counts) > LINEAGE_FUNCTIONS_MAX:
            raise ValueError("malformed lineage")
        return cls(tuple(sorted(counts.items())), floor)


@dataclass(frozen=True)
class TraceContext:
    root: str  # 1-<8 hex epoch seconds>-<24 hex>
    parent: str | None = None  # 16 hex: the caller's segment
    sampled: bool = False
    lineage: Lineage = field(default_factory=Lineage)
    function: str = ""  # the key of the function this context invokes ("" before any)

    def header(self) -> str:
        parts = [f"Root={self.root}"]
        if self.parent:
            parts.append(f"Parent={self.parent}")
        parts.append(f"Sampled={int(self.sampled)}")
        if self.function:
            parts.append(f"Lineage={self.lineage.count(self.function)}:{self.function}:0")
        return ";".join(parts)

    @property
    def hops(self) -> int:
        """How many times the invoked function has run in this chain, this one included."""
        return self.lineage.count(self.function) if self.function else 0

    def invoking(self, key: str, parent: str) -> TraceContext:
        """The context of the next invocation in this chain, of the function `key`."""
        return replace(self, parent=parent, lineage=self.lineage.after(key), function=key)

    def encode(self) -> dict[str, str]:
        return {
            "root": self.root,
            "parent": self.parent or "",
            "sampled": "1" if self.sampled else "0",
            "lineage": self.lineage.encode(),
            "function": self.function,
        }

    @classmethod
    def decode(cls, raw: dict[str, str]) -> TraceContext:
        root, parent, function = raw["root"], raw.get("parent") or None, raw.get("function", "")
        if not _ROOT.match(root) or (parent and not _PARENT.match(parent)):
            raise ValueError("malformed trace")
        if function and not _KEY.match(function):
            raise ValueError("malformed trace")
        return cls(root, parent, raw.get("sampled") == "1",
                   Lineage.decode(raw.get("lineage", "")), function)  # fmt: skip


def new_root(epoch_s: int, unique: bytes) -> str:
    """A trace id as X-Ray makes one: version 1, the epoch in hex, 96 random bits."""
    if len(unique) != 12:
        raise ValueError("a trace id has 96 random bits")
    return f"1-{epoch_s & 0xFFFFFFFF:08x}-{unique.hex()}"


def parse_header(value: str | None) -> TraceContext | None:
    """The caller's tracing header (`X-Amzn-Trace-Id`): Root, Parent and Sampled when well
    formed, else None. Its Lineage is not read: hop counts never come from a header."""
    if not value or len(value) > 512:
        return None
    fields: dict[str, str] = {}
    for part in value.split(";"):
        name, sep, text = part.strip().partition("=")
        if sep:
            fields.setdefault(name, text)
    root = fields.get("Root", "").lower()
    if not _ROOT.match(root):
        return None
    parent = fields.get("Parent", "").lower()
    return TraceContext(
        root=root,
        parent=parent if _PARENT.match(parent) else None,
        sampled=fields.get("Sampled") == "1",
    )


@dataclass(frozen=True)
class CallerTrace:
    """A request's trace as the edge knows it: from an execution environment, the trace of the
    invocation it runs (host-side; the guest's header is not read); from any other client, its
    `X-Amzn-Trace-Id` when well formed."""

    from_environment: bool = False
    trace: TraceContext | None = None


NO_CALLER_TRACE = CallerTrace()
