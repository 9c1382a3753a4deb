"""Re-links: the latest link of a local ID wins for all its events, whatever the arrival order (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domains.care.member360 import events as ev
from domains.care.member360.events import DomainEvent
from domains.care.member360.fold import fold, retract
from domains.care.member360.identity import IdentityResolver, on_link
from domains.care.member360.replay import replay

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def event(kind: str, eid: str, **data: Any) -> DomainEvent:
    return DomainEvent(id=eid, type=kind, source="test", time=T0, data=data)


def link(eid: str, member: str, local: str, hours: int, *, system: str = "claims") -> DomainEvent:
    return event(ev.MEMBER_IDENTITY_LINKED, eid, member_id=member, system=system, local_id=local, linked_at=at(hours))


def enrolled(member: str, hours: int) -> DomainEvent:
    return event(ev.MEMBER_ENROLLED, f"{member}-e", member_id=member, enrolled_at=at(hours), given_name="A",
                 family_name="B", birth_date=date(1980, 1, 2), email="a@x", postal_code="10001", plan_code="GOLD",
                 coverage_tier="individual", coverage_effective_date=date(2026, 1, 1))


def submitted(claim: str, subscriber: str, hours: int) -> DomainEvent:
    return event(ev.CLAIM_SUBMITTED, f"{claim}-s", claim_id=claim, subscriber_id=subscriber, submitted_at=at(hours),
                 service_date=date(2026, 1, 1), provider_id="P1", billed_amount=Decimal("10.00"))


def paid(claim: str, subscriber: str, hours: int) -> DomainEvent:
    return event(ev.CLAIM_PAID, f"{claim}-p", claim_id=claim, subscriber_id=subscriber, paid_at=at(hours),
                 paid_amount=Decimal("9.00"), payment_reference="R")


def visit(vid: str, mrn: str, hours: int) -> DomainEvent:
    return event(ev.VISIT_COMPLETED, vid, visit_id=vid, mrn=mrn, completed_at=at(hours), provider_id="P2",
                 visit_type="office", diagnosis_codes=["I10"])


def test_a_winning_relink_retracts_from_the_old_member_and_releases_to_the_new() -> None:
    resolver = IdentityResolver()
    resolver.submit(link("l1", "M1", "S1", 1))
    assert [e.member_id for e in resolver.submit(submitted("C1", "S1", 5))] == ["M1"]
    moved = resolver.submit(link("l2", "M2", "S1", 2))
    assert [(e.id, e.member_id) for e in resolver.step_retract] == [("C1-s", "M1")]
    assert [(e.id, e.member_id) for e in moved] == [("C1-s", "M2")]
    assert [e.member_id for e in resolver.submit(paid("C1", "S1", 6))] == ["M2"]
    # a losing link arriving later (older, then a tie with a smaller member_id) changes nothing
    assert resolver.submit(link("l0", "M9", "S1", 0)) == () and resolver.step_retract == ()
    assert resolver.submit(link("l3", "M0", "S1", 2)) == () and resolver.step_retract == ()
    # a tie with a greater member_id wins and takes every event of the local ID along
    moved = resolver.submit(link("l4", "M3", "S1", 2))
    assert sorted((e.id, e.member_id) for e in resolver.step_retract) == [("C1-p", "M2"), ("C1-s", "M2")]
    assert sorted((e.id, e.member_id) for e in moved) == [("C1-p", "M3"), ("C1-s", "M3")]


def test_a_later_link_to_the_same_member_moves_nothing() -> None:
    first = on_link(None, link("l1", "M1", "S1", 1))
    assert on_link(first.entry, link("l1", "M1", "S1", 1)).entry is first.entry  # a redelivery
    resolver = IdentityResolver()
    resolver.submit(link("l1", "M1", "S1", 1))
    resolver.submit(submitted("C1", "S1", 3))
    assert resolver.submit(link("l2", "M1", "S1", 7)) == () and resolver.step_retract == ()
    entry = resolver.entries["claims:S1"]
    assert (entry.member_id, entry.linked_at, [e.id for e in entry.resolved]) == ("M1", at(7), ["C1-s"])


def test_retract_folds_a_claim_and_a_visit_out_and_is_idempotent() -> None:
    own = [enrolled("M1", 0), submitted("C1", "S1", 3), paid("C1", "S1", 40), visit("V1", "MRN1", 2)]
    moved = [submitted("C2", "S2", 5), paid("C2", "S2", 50), visit("V2", "MRN2", 60)]
    full = fold(e.for_member("M1") for e in own + moved)["M1"]
    view = full
    for e in moved + moved:  # twice: retracting is idempotent
        view = retract(view, e.for_member("M1"))
    assert view == fold(e.for_member("M1") for e in own)["M1"]
    assert view is not None and view.updated_at == at(40)  # the latest remaining fact, not 60
    only_claims = fold([submitted("C3", "S3", 1).for_member("M4")])["M4"]
    assert retract(only_claims, submitted("C3", "S3", 1).for_member("M4")) is None


def test_retract_keeps_a_fact_another_event_set() -> None:
    view = fold([submitted("C1", "S1", 3).for_member("M1")])["M1"]
    other = event(ev.CLAIM_SUBMITTED, "other", claim_id="C1", subscriber_id="S1", submitted_at=at(1),
                  service_date=date(2026, 1, 1), provider_id="P1", billed_amount=Decimal(1)).for_member("M1")
    assert retract(view, other) == view


EVENTS = [
    enrolled("M1", 0), enrolled("M2", 0), enrolled("M3", 0), enrolled("M5", 0),
    submitted("C1", "S1", 10), paid("C1", "S1", 12), submitted("C2", "S1", 20), visit("V1", "MRN1", 15),
    link("l1", "M1", "S1", 1), link("l2", "M2", "S1", 5), link("l3", "M3", "S1", 5),  # tie: M3 > M2 wins
    link("v1", "M5", "MRN1", 3, system="clinical"), link("v2", "M1", "MRN1", 2, system="clinical"),
]


def test_the_rule_on_the_reference_set() -> None:
    views = replay(EVENTS).views
    assert set(views["M3"].claims) == {"C1", "C2"} and not views["M1"].claims and not views["M2"].claims
    assert set(views["M5"].visits) == {"V1"} and not views["M1"].visits


@settings(max_examples=80, deadline=None)
@given(order=st.permutations(EVENTS), again=st.lists(st.sampled_from(EVENTS), max_size=8), data=st.data())
def test_any_order_of_links_and_events_with_redeliveries_gives_the_same_views(
    order: list[DomainEvent], again: list[DomainEvent], data: st.DataObject
) -> None:
    stream = list(order)
    for redelivered in again:
        stream.insert(data.draw(st.integers(0, len(stream))), redelivered)
    assert replay(stream).records() == replay(EVENTS).records()
