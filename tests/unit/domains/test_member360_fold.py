"""The member-360 fold: known answers per rule, and order/redelivery insensitivity (hypothesis)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domains.care.member360 import events as ev
from domains.care.member360.events import DomainEvent
from domains.care.member360.fold import UnresolvedEventError, apply, fold
from domains.care.member360.state import dump, load
from domains.care.member360.view import MemberView, render

T0 = datetime(2026, 1, 1, tzinfo=UTC)
M = "M1"


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def event(kind: str, eid: str, member: str | None = M, **data: Any) -> DomainEvent:
    return DomainEvent(id=eid, type=kind, source="test", time=T0, data=data, member_id=member)


def enrolled(eid: str, h: int, *, email: str = "a@x", plan: str = "GOLD") -> DomainEvent:
    return event(ev.MEMBER_ENROLLED, eid, member_id=M, enrolled_at=at(h), given_name="Ann", family_name="Lee",
                 birth_date=date(1980, 1, 2), email=email, postal_code="10001", plan_code=plan,
                 coverage_tier="individual", coverage_effective_date=date(2026, 1, 1))


def profile(eid: str, h: int, email: str) -> DomainEvent:
    return event(ev.MEMBER_PROFILE_UPDATED, eid, member_id=M, updated_at=at(h), given_name="Ann",
                 family_name="Lee", birth_date=date(1980, 1, 2), email=email, postal_code="10002")


def coverage(eid: str, h: int, plan: str) -> DomainEvent:
    return event(ev.MEMBER_COVERAGE_CHANGED, eid, member_id=M, changed_at=at(h), plan_code=plan,
                 coverage_tier="family", effective_date=date(2026, 3, 1))


def disenrolled(eid: str, h: int) -> DomainEvent:
    return event(ev.MEMBER_DISENROLLED, eid, member_id=M, disenrolled_at=at(h), reason="moved")


def submitted(claim: str, h: int, billed: str) -> DomainEvent:
    return event(ev.CLAIM_SUBMITTED, f"{claim}-s", claim_id=claim, subscriber_id="S1", submitted_at=at(h),
                 service_date=date(2026, 1, 1), provider_id="P1", billed_amount=Decimal(billed))


def adjudicated(claim: str, h: int, outcome: str, allowed: str) -> DomainEvent:
    return event(ev.CLAIM_ADJUDICATED, f"{claim}-a", claim_id=claim, subscriber_id="S1", adjudicated_at=at(h),
                 outcome=outcome, allowed_amount=Decimal(allowed), denial_reason=None)


def paid(claim: str, h: int, amount: str) -> DomainEvent:
    return event(ev.CLAIM_PAID, f"{claim}-p", claim_id=claim, subscriber_id="S1", paid_at=at(h),
                 paid_amount=Decimal(amount), payment_reference="R")


def visit(vid: str, h: int, kind: str, *codes: str) -> DomainEvent:
    return event(ev.VISIT_COMPLETED, vid, visit_id=vid, mrn="MRN1", completed_at=at(h), provider_id="P2",
                 visit_type=kind, diagnosis_codes=list(codes))


HISTORY = [
    enrolled("e1", 0), profile("p1", 5, "b@x"), profile("p2", 9, "c@x"), coverage("c1", 7, "SILVER"),
    submitted("C1", 10, "100.00"), adjudicated("C1", 11, "approved", "80.00"), paid("C1", 12, "80.00"),
    submitted("C2", 20, "50.50"), adjudicated("C2", 21, "denied", "0.00"),
    submitted("C3", 30, "10.00"), adjudicated("C3", 31, "approved", "9.00"),
    submitted("C4", 40, "7.25"),
    visit("V1", 3, "office", "E11.9", "I10"), visit("V2", 13, "telehealth", "I10"),
    visit("V3", 13, "office", "J06.9", "I10", "E11.9"), disenrolled("d1", 50),
]


def fold_all(events: list[DomainEvent]) -> MemberView:
    return fold(events)[M]


def by_status(view: MemberView) -> dict[str, tuple[int, Decimal, Decimal, Decimal]]:
    return {row["status"]: (row["claim_count"], row["billed_amount"], row["allowed_amount"], row["paid_amount"])
            for row in render(view)["claims"]["by_status"]}


def test_claim_counts_and_amounts_by_status_follow_the_highest_status_reached() -> None:
    assert by_status(fold_all(HISTORY)) == {
        "submitted": (1, Decimal("7.25"), Decimal("0.00"), Decimal("0.00")),
        "approved": (1, Decimal("10.00"), Decimal("9.00"), Decimal("0.00")),
        "denied": (1, Decimal("50.50"), Decimal("0.00"), Decimal("0.00")),
        "paid": (1, Decimal("100.00"), Decimal("80.00"), Decimal("80.00")),
    }


@pytest.mark.parametrize(
    ("events", "expected_status"),
    [
        pytest.param([adjudicated("C9", 2, "approved", "5")], "approved", id="adjudication-before-submission"),
        pytest.param([paid("C9", 3, "5"), submitted("C9", 1, "9")], "paid", id="payment-before-all"),
        pytest.param([paid("C9", 3, "5"), adjudicated("C9", 2, "approved", "5")], "paid", id="paid-outranks"),
        pytest.param([adjudicated("C9", 2, "denied", "0"), submitted("C9", 1, "9")], "denied", id="denied"),
    ],
)
def test_claim_status_is_the_highest_rank_whatever_the_order(events: list[DomainEvent], expected_status: str) -> None:
    record = render(fold_all(events))
    assert record["last_claim"]["status"] == expected_status
    assert record["claims"]["claim_count"] == 1


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        pytest.param([enrolled("e1", 0)], ("active", None), id="enrolled"),
        pytest.param([disenrolled("d1", 5), enrolled("e1", 0)], ("disenrolled", "moved"), id="disenrolled-later"),
        pytest.param([disenrolled("d1", 5), enrolled("e2", 9)], ("active", None), id="re-enrolled"),
        pytest.param([profile("p1", 1, "x@y")], ("unknown", None), id="no-lifecycle-yet"),
        pytest.param([enrolled("e1", 5), disenrolled("d1", 5)], ("disenrolled", "moved"), id="tie-disenrollment-wins"),
    ],
)
def test_status_follows_the_latest_lifecycle_event(events: list[DomainEvent], expected: tuple[str, Any]) -> None:
    record = render(fold_all(events))
    assert (record["status"], record["disenrollment_reason"]) == expected


def test_profile_and_coverage_are_the_latest_by_recorded_time() -> None:
    record = render(fold_all(list(reversed(HISTORY))))
    assert record["profile"]["email"] == "c@x"
    assert record["profile"]["as_of"] == at(9)
    assert record["coverage"]["plan_code"] == "SILVER"


def test_visits_last_visit_and_top_diagnoses() -> None:
    record = render(fold_all(HISTORY))
    assert record["visits"] == {"visit_count": 3, "by_type": {"office": 2, "telehealth": 1}}
    assert record["last_visit"]["visit_id"] == "V3"  # same time as V2: visit_id breaks the tie
    assert record["top_diagnoses"] == [{"code": "I10", "visit_count": 3}, {"code": "E11.9", "visit_count": 2},
                                       {"code": "J06.9", "visit_count": 1}]


def test_a_code_listed_twice_in_one_visit_counts_once() -> None:
    record = render(fold_all([visit("V1", 1, "office", "I10", "I10")]))
    assert record["top_diagnoses"] == [{"code": "I10", "visit_count": 1}]


def test_last_claim_and_updated_at() -> None:
    record = render(fold_all(HISTORY))
    assert record["last_claim"]["claim_id"] == "C4"
    assert record["updated_at"] == at(50)


def test_an_event_without_member_is_refused() -> None:
    unresolved = event(ev.CLAIM_SUBMITTED, "x", member=None, claim_id="C", subscriber_id="S", submitted_at=at(1),
                       service_date=date(2026, 1, 1), provider_id="P", billed_amount=Decimal(1))
    with pytest.raises(UnresolvedEventError, match="has no member"):
        apply(None, unresolved)


def test_unknown_event_types_leave_the_view_unchanged() -> None:
    view = fold_all(HISTORY)
    assert apply(view, event("com.healthco.claims.ClaimAppealed.v1", "z", claim_id="C1")) == view


@settings(max_examples=60, deadline=None)
@given(order=st.permutations(HISTORY), replays=st.lists(st.sampled_from(HISTORY), max_size=10), data=st.data())
def test_any_order_and_any_redelivery_give_the_same_view(
    order: list[DomainEvent], replays: list[DomainEvent], data: st.DataObject
) -> None:
    stream = list(order)
    for replay in replays:  # redeliveries land anywhere, also before the original
        stream.insert(data.draw(st.integers(0, len(stream))), replay)
    expected = fold_all(HISTORY)
    assert fold_all(stream) == expected
    assert render(fold_all(stream)) == render(expected)


def test_state_grows_with_claims_and_visits_not_with_events() -> None:
    once = fold_all(HISTORY)
    ten_times = fold_all(HISTORY * 10)
    assert (len(ten_times.claims), len(ten_times.visits)) == (len(once.claims), len(once.visits)) == (4, 3)


def test_state_survives_a_json_round_trip() -> None:
    view = fold_all(HISTORY + [adjudicated("C8", 60, "approved", "1.50")])
    assert load(json.loads(json.dumps(dump(view)))) == view


# "latest" facts with the same business time: the greater CloudEvent id wins (schemas/care/member_360.avsc)
TIES = [profile("p3", 9, "d@x"), coverage("c0", 7, "BRONZE"), enrolled("e0", 0, email="z@x", plan="PLATINUM"),
        adjudicated("C4", 41, "approved", "7.00"), event(ev.CLAIM_ADJUDICATED, "C4-A0", claim_id="C4",
        subscriber_id="S1", adjudicated_at=at(41), outcome="denied", allowed_amount=Decimal(0), denial_reason="x")]


def test_ties_in_latest_facts_go_to_the_greater_event_id() -> None:
    record = render(fold_all(HISTORY + TIES))
    assert record["profile"]["email"] == "d@x"  # p3 > p2 at the same time
    assert record["coverage"]["plan_code"] == "SILVER"  # c1 > c0 at the same time
    assert record["last_claim"]["status"] == "approved"  # C4-a > C4-A0 at the same time


@settings(max_examples=60, deadline=None)
@given(order=st.permutations(HISTORY + TIES), replays=st.lists(st.sampled_from(HISTORY + TIES), max_size=10),
       data=st.data())
def test_any_order_with_ties_in_latest_facts_gives_the_same_view(
    order: list[DomainEvent], replays: list[DomainEvent], data: st.DataObject
) -> None:
    stream = list(order)
    for replay in replays:
        stream.insert(data.draw(st.integers(0, len(stream))), replay)
    assert render(fold_all(stream)) == render(fold_all(HISTORY + TIES))
