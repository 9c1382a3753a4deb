"""Identity resolution: local-ID events wait for their link, are released once, and the buffer is bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domains.care.member360 import events as ev
from domains.care.member360.events import DomainEvent
from domains.care.member360.identity import IdentityResolver, local_key, on_event, on_link

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def event(kind: str, eid: str, **data: Any) -> DomainEvent:
    return DomainEvent(id=eid, type=kind, source="test", time=T0, data=data)


def link(eid: str, member: str, local: str, *, system: str = "claims", hours: int = 0) -> DomainEvent:
    return event(ev.MEMBER_IDENTITY_LINKED, eid, member_id=member, system=system, local_id=local,
                 linked_at=T0 + timedelta(hours=hours))


def claim(eid: str, subscriber: str) -> DomainEvent:
    return event(ev.CLAIM_PAID, eid, claim_id=eid, subscriber_id=subscriber)


def test_local_keys_name_the_system() -> None:
    assert local_key(claim("c", "S1")) == "claims:S1"
    assert local_key(event(ev.VISIT_COMPLETED, "v", mrn="MRN1")) == "clinical:MRN1"
    assert local_key(link("l", "M1", "MRN1", system="clinical")) == "clinical:MRN1"
    assert local_key(event(ev.MEMBER_ENROLLED, "e", member_id="M1")) is None


def test_events_before_the_link_are_held_then_released_in_arrival_order() -> None:
    resolver = IdentityResolver()
    assert resolver.submit(claim("c1", "S1")) == ()
    assert resolver.submit(claim("c2", "S1")) == ()
    released = resolver.submit(link("l1", "M1", "S1"))
    assert [(e.id, e.member_id) for e in released] == [("c1", "M1"), ("c2", "M1")]
    assert [(e.id, e.member_id) for e in resolver.submit(claim("c3", "S1"))] == [("c3", "M1")]
    assert resolver.pending_count == 0


def test_a_redelivered_event_is_held_once_and_a_redelivered_link_releases_nothing() -> None:
    resolver = IdentityResolver()
    resolver.submit(claim("c1", "S1"))
    resolver.submit(claim("c1", "S1"))
    assert resolver.pending_count == 1
    assert len(resolver.submit(link("l1", "M1", "S1"))) == 1
    assert resolver.submit(link("l1", "M1", "S1")) == ()


def test_the_pending_buffer_is_bounded_and_hands_back_the_oldest() -> None:
    entry = None
    overflow: list[str] = []
    for i in range(5):
        result = on_event(entry, claim(f"c{i}", "S1"), max_pending=3)
        entry = result.entry
        overflow += [e.id for e in result.overflow]
    assert entry is not None
    assert [e.id for e in entry.pending] == ["c2", "c3", "c4"]
    assert overflow == ["c0", "c1"]


def test_a_later_link_wins_and_an_older_one_is_ignored() -> None:
    first = on_link(None, link("l1", "M1", "S1", hours=5)).entry
    assert on_link(first, link("l0", "M0", "S1", hours=1)).entry.member_id == "M1"
    assert on_link(first, link("l2", "M2", "S1", hours=9)).entry.member_id == "M2"


def test_member_events_pass_through() -> None:
    enrolled = event(ev.MEMBER_ENROLLED, "e1", member_id="M1")
    assert IdentityResolver().submit(enrolled) == (enrolled,)
