"""Typed condition values: numbers, instants, IP ranges, binary and booleans from policy text.

Each `parse_*` reads a value written in a policy and raises ValueError if it is not valid (the
parser turns that into a malformed-policy error). Each `read_*` reads a value from the request
context and returns None if it cannot be read (such a value then never matches).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

IpNetwork = IPv4Network | IPv6Network
IpAddress = IPv4Address | IPv6Address

_MAX_NUMBER_CHARS = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_number(text: str) -> Decimal:
    """An integer or decimal such as `10`, `-2.5`; no exponents, spaces or underscores."""
    body = text[1:] if text[:1] in ("+", "-") else text
    whole, dot, fraction = body.partition(".")
    if (
        len(text) > _MAX_NUMBER_CHARS
        or not (_is_digits(whole) or (dot and not whole))
        or (dot and not _is_digits(fraction))
    ):
        raise ValueError("not a number")
    return Decimal(text)  # the shape check above leaves only what Decimal reads exactly


def read_number(text: str) -> Decimal | None:
    try:
        return parse_number(text)
    except ValueError:
        return None


def parse_instant(text: str) -> int:
    """Microseconds since the epoch, from epoch seconds or a W3C ISO 8601 date/time.

    Accepted: `1700000000`, `1700000000.25`, `2020`, `2020-06`, `2020-06-30`,
    `2020-06-30T12:00Z`, `2020-06-30T12:00:00.5+02:00`. Without a zone the time is UTC. Four
    bare digits are a year (W3C's `YYYY`), any other digits epoch seconds.
    """
    whole, dot, fraction = text.partition(".")
    if len(text) == 4 and _is_digits(text):
        text += "-01-01"
    elif _is_digits(whole) and (not dot or _is_digits(fraction)):
        if len(text) > _MAX_NUMBER_CHARS:
            raise ValueError("not a date")
        micros = (fraction + "000000")[:6] if dot else "0"
        return int(whole) * 1_000_000 + int(micros)
    upper = text.upper()
    if not (_is_digits(upper[:4]) and upper[4:5] == "-"):
        raise ValueError("not a date")
    if len(upper) == 7:
        upper += "-01"
    try:
        moment = datetime.fromisoformat(upper)
    except ValueError as exc:
        raise ValueError("not a date") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def read_instant(text: str) -> int | None:
    try:
        return parse_instant(text)
    except ValueError:
        return None


def parse_network(text: str) -> IpNetwork:
    """A CIDR range; a bare address means the single address (/32 or /128)."""
    return ip_network(text, strict=False)


def read_address(text: str) -> IpAddress | None:
    try:
        return ip_address(text)
    except ValueError:
        return None


def parse_binary(text: str) -> bytes:
    """Base64 text as bytes."""
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc


def read_binary(text: str) -> bytes | None:
    try:
        return parse_binary(text)
    except ValueError:
        return None


def parse_null_flag(text: str) -> bool:
    """The value of a `Null` condition: `true` (key absent) or `false` (key present)."""
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise ValueError("not a boolean")
    return lowered == "true"
