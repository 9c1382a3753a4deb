"""The held-event logic the processor calls (held.hold / held.link): pure steps, checked step by step."""

from __future__ import annotations

from datetime import UTC, datetime

from domains.care.member360 import events as ev
from domains.care.member360.events import DomainEvent
from domains.care.member360.held import ID_BYTES, HeldEntry, HeldStep, hold, link, waiting_id
from mesh.processing.bridge import RawMessage

AT = datetime(2025, 3, 1, tzinfo=UTC)


def raw(event_id: str, value: bytes = b"\x00\x00\x00\x00\x01\xff") -> RawMessage:
    return RawMessage(topic="claims", partition=0, offset=1, key=b"S-1", value=value,
                      headers=(("ce_id", event_id.encode()), ("ce_source", b"/claims")), timestamp_ms=1)


def link_event(member_id: str, at: datetime = AT, event_id: str = "l1") -> DomainEvent:
    return DomainEvent(id=event_id, type=ev.MEMBER_IDENTITY_LINKED, source="/membership", time=at,
                       data={"member_id": member_id, "system": "claims", "local_id": "S-1", "linked_at": at})


def apply(step: HeldStep, held: dict[int, RawMessage]) -> HeldEntry:
    for n, r in step.store:
        held[n] = r
    for n in step.forget:
        held.pop(n, None)
    return step.entry


def test_events_wait_until_their_link_then_are_released_in_order() -> None:
    held: dict[int, RawMessage] = {}
    entry = apply(hold(None, raw("a"), held, max_pending=10), held)
    entry = apply(hold(entry, raw("b"), held, max_pending=10), held)
    assert entry.waiting == 2
    step = link(entry, link_event("M-1"), held)
    assert [r.header("ce_id") for r in step.forward] == [b"a", b"b"]
    assert step.entry.member_id == "M-1" and step.entry.waiting == 0


def test_a_linked_local_id_forwards_at_once_and_writes_nothing() -> None:
    linked = HeldEntry(member_id="M-1", linked_at=AT, link_event_id="l1")
    step = hold(linked, raw("a"), {}, max_pending=10)
    assert (step.forward, step.changed, step.store) == ((raw("a"),), False, ())


def test_a_redelivered_waiting_event_is_not_held_twice() -> None:
    held: dict[int, RawMessage] = {}
    entry = apply(hold(None, raw("a"), held, max_pending=10), held)
    step = hold(entry, raw("a"), held, max_pending=10)
    assert (step.changed, step.entry.waiting) == (False, 1)


def test_waiting_events_are_records_of_their_own_with_an_id_each_in_the_entry() -> None:
    held: dict[int, RawMessage] = {}
    entry = None
    for n in range(5):
        entry = apply(hold(entry, raw(f"e{n}", b"x" * 20_000), held, max_pending=100), held)
    assert entry is not None and entry.waiting == 5 and entry.pending == ()
    assert sorted(held) == [0, 1, 2, 3, 4]
    assert entry.waiting_ids == b"".join(waiting_id(raw(f"e{n}")) for n in range(5))
    step = link(entry, link_event("M-1"), held)
    assert [r.header("ce_id") for r in step.forward] == [f"e{n}".encode() for n in range(5)]
    assert set(step.forget) == set(held) and step.entry.waiting_ids == b""


class NoReads(dict[int, RawMessage]):
    """Waiting records that must not be read."""

    def __getitem__(self, number: int) -> RawMessage:
        raise AssertionError(f"record {number} was read")

    def __contains__(self, number: object) -> bool:
        raise AssertionError(f"record {number} was looked up")

    def get(self, number: int, default: object = None) -> RawMessage:  # type: ignore[override]
        raise AssertionError(f"record {number} was read")


def test_a_waiting_event_reads_none_of_the_others_redelivery_or_not() -> None:
    ids = b"".join(waiting_id(raw(f"e{n}")) for n in range(900))
    entry = HeldEntry(held_from=0, held_to=900, waiting_ids=ids)
    assert hold(entry, raw("e450"), NoReads(), max_pending=1000).changed is False  # a redelivery
    step = hold(entry, raw("new"), NoReads(), max_pending=1000)
    assert step.store == ((900, raw("new")),) and step.entry.waiting == 901
    assert step.entry.waiting_ids == ids + waiting_id(raw("new"))


def test_an_entry_of_format_2_gets_its_records_ids_once() -> None:
    held = {0: raw("e0"), 2: raw("e2")}  # record 1 lost (at-least-once crash between two writes)
    entry = HeldEntry(pending=(raw("inline"),), held_from=0, held_to=3, waiting_ids=None)
    again = hold(entry, raw("e2"), held, max_pending=10)  # a redelivery: nothing held, the ids kept
    assert again.changed and again.store == () and again.entry.waiting == 4
    assert again.entry.waiting_ids == waiting_id(raw("e0")) + bytes(ID_BYTES) + waiting_id(raw("e2"))
    assert hold(entry, raw("inline"), held, max_pending=10).entry.waiting == 4  # inline ones count too
    step = hold(again.entry, raw("e3"), NoReads(), max_pending=10)
    assert step.store == ((3, raw("e3")),) and step.entry.waiting == 5
    released = link(step.entry, link_event("M-1"), {**held, 3: raw("e3")})
    assert [r.header("ce_id") for r in released.forward] == [b"inline", b"e0", b"e2", b"e3"]


def test_the_oldest_events_overflow_the_bound() -> None:
    held: dict[int, RawMessage] = {}
    entry = None
    overflow: list[RawMessage] = []
    for n in range(5):
        step = hold(entry, raw(f"e{n}"), held, max_pending=3)
        overflow += step.overflow
        entry = apply(step, held)
    assert [r.header("ce_id") for r in overflow] == [b"e0", b"e1"]
    assert entry is not None and entry.waiting == 3 and sorted(held) == [2, 3, 4]
    assert entry.waiting_ids == b"".join(waiting_id(raw(f"e{n}")) for n in (2, 3, 4))
    assert hold(entry, raw("e1"), held, max_pending=3).store == ((5, raw("e1")),)  # gone: no longer waiting


def test_with_a_bound_of_zero_an_event_overflows_at_once() -> None:
    step = hold(None, raw("a"), {}, max_pending=0)
    assert (step.overflow, step.store, step.forget, step.entry.waiting) == ((raw("a"),), (), (), 0)


def test_an_older_or_redelivered_link_changes_nothing() -> None:
    entry = link(None, link_event("M-2", AT.replace(month=5), "l2"), {}).entry
    assert link(entry, link_event("M-1", AT, "l1"), {}).changed is False
    assert link(entry, link_event("M-2", AT.replace(month=5), "l2"), {}).changed is False
    newer = link(entry, link_event("M-3", AT.replace(month=6), "l3"), {})
    assert (newer.changed, newer.entry.member_id) == (True, "M-3")
