"""String matchers: `wildcard` (linear, no backtracking), `cidr` and IP-address values, as
event-ruler parses them (messages marked "AWS" were also recorded from AWS)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from stockade.domain.event_values import MatcherError

MAX_WILDCARDS = 5  # AWS refuses a six-star wildcard as "too complex" (AWS-recorded)
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)


IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")


def ip_address_of(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a string spells, if it looks like one (event-ruler's two shapes)."""
    if not (IPV4.fullmatch(text) or IPV6.fullmatch(text)):
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def cidr(arg: Any) -> Callable[[Any], bool]:
    if not isinstance(arg, str):
        raise MatcherError("prefix match pattern must be a string")  # AWS (sic)
    parts = arg.split("/")
    if len(parts) != 2:
        raise MatcherError("Malformed CIDR, one '/' required")  # AWS
    address, bits_text = parts
    if not re.fullmatch(r"[+-]?[0-9]+", bits_text):
        raise MatcherError("Malformed CIDR, mask bits must be an integer")  # AWS
    bits = int(bits_text)
    if bits < 0:
        raise MatcherError("Malformed CIDR, mask bits must not be negative")
    ip = ip_address_of(address)
    if ip is None:
        raise MatcherError(f"Nonstandard IP address: {address}")  # AWS
    if ip.version == 4 and bits > 31:
        raise MatcherError("IPv4 mask bits must be < 32")
    if ip.version == 6 and bits > 127:
        raise MatcherError("IPv6 mask bits must be < 128")
    network = ipaddress.ip_network(f"{ip}/{bits}", strict=False)

    def test(value: Any) -> bool:
        found = ip_address_of(value) if isinstance(value, str) else None
        return found is not None and found in network

    return test


def wildcard(text: str) -> Callable[[Any], bool]:
    """`*` matches any run of characters (also none); `\\*` and `\\\\` are literal."""
    segments = [""]
    stars = 0
    i = 0
    after_star = False
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "*\\":
                raise MatcherError(f"Invalid escape character at pos {_pos(text, i)}")
            segments[-1] += text[i + 1]
            i += 2
            after_star = False
            continue
        if ch == "*":
            if after_star:
                raise MatcherError(f"Consecutive wildcard characters at pos {_pos(text, i - 1)}")
            stars += 1
            segments.append("")
        else:
            segments[-1] += ch
        after_star = ch == "*"
        i += 1
    if stars > MAX_WILDCARDS:
        raise MatcherError(TOO_COMPLEX)  # AWS (recorded for six stars)
    return _glob(tuple(segments))


def _pos(text: str, index: int) -> int:
    """A position as AWS reports it: UTF-8 bytes into the value, which it reads quoted."""
    return len(text[:index].encode()) + 1


def _glob(segments: tuple[str, ...]) -> Callable[[Any], bool]:
    """Greedy leftmost matching of the middle segments: linear scans, no backtracking."""
    first, last = segments[0], segments[-1]

    def test(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        if len(segments) == 1:
            return value == first
        if len(value) < len(first) + len(last):
            return False
        if not (value.startswith(first) and value.endswith(last)):
            return False
        pos, end = len(first), len(value) - len(last)
        for middle in segments[1:-1]:
            found = value.find(middle, pos, end)
            if found < 0:
                return False
            pos = found + len(middle)
        return True

    return test
