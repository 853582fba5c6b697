"""Typed condition values read from policies (strict) and from requests (lenient: None)."""

from __future__ import annotations

from decimal import Decimal
from ipaddress import ip_address, ip_network

import pytest

from stockade.policy import operands

EPOCH_2020_04_01 = 1_585_699_200 * 1_000_000

INSTANTS = [
    ("epoch-seconds", "1585699200", EPOCH_2020_04_01),
    ("epoch-with-fraction", "1585699200.25", EPOCH_2020_04_01 + 250_000),
    ("year", "2020", 1_577_836_800 * 1_000_000),
    ("year-and-month", "2020-04", EPOCH_2020_04_01),
    ("date", "2020-04-01", EPOCH_2020_04_01),
    ("date-time-utc", "2020-04-01T00:00:00Z", EPOCH_2020_04_01),
    ("lower-case-designators", "2020-04-01t00:00:00z", EPOCH_2020_04_01),
    ("date-time-with-offset", "2020-04-01T02:00:00+02:00", EPOCH_2020_04_01),
    ("fractional-seconds", "2020-04-01T00:00:00.5Z", EPOCH_2020_04_01 + 500_000),
    ("no-zone-means-utc", "2020-04-01T00:00", EPOCH_2020_04_01),
]


@pytest.mark.parametrize(
    ("text", "micros"), [c[1:] for c in INSTANTS], ids=[c[0] for c in INSTANTS]
)
def test_instants(text: str, micros: int) -> None:
    assert operands.parse_instant(text) == micros
    assert operands.read_instant(text) == micros


BAD_INSTANTS = [
    "tomorrow",
    "",
    "20-04-01",
    "2020/04/01",
    "2020-13",
    "1" * 101,
    "-5",
    "2020-04-01T25:00Z",
]


@pytest.mark.parametrize("text", BAD_INSTANTS)
def test_bad_instants(text: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        operands.parse_instant(text)
    assert operands.read_instant(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("10", Decimal(10)), ("-2.5", Decimal("-2.5")), ("+7", Decimal(7)), (".5", Decimal("0.5"))],
)
def test_numbers(text: str, value: Decimal) -> None:
    assert operands.parse_number(text) == value
    assert operands.read_number(text) == value


@pytest.mark.parametrize(
    "text", ["", "ten", "1e3", "1_000", " 1", "5.", "NaN", "Infinity", "-", "9" * 101]
)
def test_bad_numbers(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        operands.parse_number(text)
    assert operands.read_number(text) is None


def test_networks_and_addresses() -> None:
    assert operands.parse_network("203.0.113.7/24") == ip_network("203.0.113.0/24")
    assert operands.parse_network("2001:DB8::1") == ip_network("2001:db8::1/128")
    assert operands.read_address("2001:db8::1") == ip_address("2001:db8::1")
    assert operands.read_address("10.0.0.300") is None
    with pytest.raises(ValueError, match="does not appear"):
        operands.parse_network("10.0.0.0/33")


def test_binary() -> None:
    assert operands.parse_binary("QmluYXJ5") == b"Binary"
    assert operands.read_binary("QmluYXJ5") == b"Binary"
    assert operands.read_binary("!!") is None
    with pytest.raises(ValueError, match="not base64"):
        operands.parse_binary("QmluYXJ")


@pytest.mark.parametrize(("text", "flag"), [("true", True), ("FALSE", False), ("True", True)])
def test_null_flags(text: str, flag: bool) -> None:
    assert operands.parse_null_flag(text) is flag


def test_null_flag_must_be_a_boolean() -> None:
    with pytest.raises(ValueError, match="not a boolean"):
        operands.parse_null_flag("yes")
