"""The held-event logic the processor calls (held.hold / held.link): pure steps, checked step by step."""

from __future__ import annotations

from datetime import UTC, datetime

from domains.care.member360 import events as ev
from domains.care.member360.events import DomainEvent
from domains.care.member360.held import INLINE_BYTES, HeldEntry, HeldStep, hold, link
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


def test_past_the_inline_budget_events_wait_as_records_of_their_own() -> None:
    held: dict[int, RawMessage] = {}
    big = b"x" * (INLINE_BYTES // 2)
    entry = None
    for n in range(5):
        entry = apply(hold(entry, raw(f"e{n}", big), held, max_pending=100), held)
    assert entry is not None and entry.waiting == 5
    assert len(held) >= 3  # the first ones inline, the rest as records
    step = link(entry, link_event("M-1"), held)
    assert [r.header("ce_id") for r in step.forward] == [f"e{n}".encode() for n in range(5)]
    assert set(step.forget) == set(held)


def test_the_oldest_events_overflow_the_bound() -> None:
    held: dict[int, RawMessage] = {}
    entry = None
    overflow: list[RawMessage] = []
    for n in range(5):
        step = hold(entry, raw(f"e{n}"), held, max_pending=3)
        overflow += step.overflow
        entry = apply(step, held)
    assert [r.header("ce_id") for r in overflow] == [b"e0", b"e1"]
    assert entry is not None and entry.waiting == 3


def test_an_older_or_redelivered_link_changes_nothing() -> None:
    entry = link(None, link_event("M-2", AT.replace(month=5), "l2"), {}).entry
    assert link(entry, link_event("M-1", AT, "l1"), {}).changed is False
    assert link(entry, link_event("M-2", AT.replace(month=5), "l2"), {}).changed is False
    newer = link(entry, link_event("M-3", AT.replace(month=6), "l3"), {})
    assert (newer.changed, newer.entry.member_id) == (True, "M-3")
