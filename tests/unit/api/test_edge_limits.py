from __future__ import annotations

from stockade.api.edge_limits import ConnectionLedger, EdgeLimits, Quota


def test_a_connection_is_admitted_only_while_every_quota_has_room() -> None:
    ledger = ConnectionLedger()
    first = ledger.admit(Quota("all", 3), Quota(("src", "a"), 1))
    assert first is not None
    assert ledger.admit(Quota("all", 3), Quota(("src", "a"), 1)) is None  # source a is full
    second = ledger.admit(Quota("all", 3), Quota(("src", "b"), 1))
    assert second is not None
    assert ledger.count("all") == 2


def test_a_refused_connection_holds_nothing() -> None:
    ledger = ConnectionLedger()
    assert ledger.admit(Quota("all", 5), Quota("tiny", 0)) is None
    assert ledger.count("all") == 0


def test_release_gives_back_every_quota_once_and_forgets_empty_keys() -> None:
    ledger = ConnectionLedger()
    admission = ledger.admit(Quota("all", 1), Quota(("src", "a"), 1))
    assert admission is not None
    admission.release()
    admission.release()  # a second release (connection lost twice) changes nothing
    assert ledger.count("all") == 0
    assert ledger._open == {}
    assert ledger.admit(Quota("all", 1), Quota(("src", "a"), 1)) is not None


def test_the_raw_head_cut_off_leaves_room_for_names_beyond_the_counted_values() -> None:
    limits = EdgeLimits(request_line_bytes=1000, header_bytes=2000)
    assert limits.head_wire_bytes == 6000
