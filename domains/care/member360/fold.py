"""The member-360 fold: `apply(view, event) -> view`, pure, order-insensitive and idempotent.

Each event type sets one keyed fact of the view to the later (business time, event id) of the fact
already there and the one the event carries (`view.py` documents the resulting semantics). Taking a
maximum is commutative and idempotent, so the processor can run at-least-once: a redelivered event
sets a fact to the value it already has, and events may arrive in any order within and across domains.
Event types the fold does not know leave the view unchanged (new event types do not break it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from domains.care.member360 import events as ev
from domains.care.member360.view import (
    Adjudication,
    ClaimFacts,
    Coverage,
    Disenrollment,
    Enrollment,
    MemberView,
    Payment,
    Profile,
    Submission,
    Visit,
)

# The business-time field of each event type (the fold never trusts arrival order or CloudEvent time).
TIME_FIELD: Mapping[str, str] = {
    ev.MEMBER_ENROLLED: "enrolled_at",
    ev.MEMBER_PROFILE_UPDATED: "updated_at",
    ev.MEMBER_COVERAGE_CHANGED: "changed_at",
    ev.MEMBER_DISENROLLED: "disenrolled_at",
    ev.CLAIM_SUBMITTED: "submitted_at",
    ev.CLAIM_ADJUDICATED: "adjudicated_at",
    ev.CLAIM_PAID: "paid_at",
    ev.VISIT_COMPLETED: "completed_at",
}


class UnresolvedEventError(ValueError):
    """An event reached the fold without a member (identity resolution has to run first)."""


class _Stamped(Protocol):
    @property
    def event_id(self) -> str: ...


F = TypeVar("F", bound=_Stamped)


def _later(old: F | None, new: F, time: Callable[[F], datetime]) -> F:
    """The fact with the greater (time, event id): the deterministic 'last writer wins'."""
    if old is None or (time(new), new.event_id) > (time(old), old.event_id):
        return new
    return old


def _money(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


Changes = dict[str, Any]


def _profile(view: MemberView, event: ev.DomainEvent, at: datetime) -> Changes:
    d = event.data
    new = Profile(given_name=d["given_name"], family_name=d["family_name"], birth_date=d["birth_date"],
                  email=d["email"], postal_code=d["postal_code"], as_of=at, event_id=event.id)
    return {"profile": _later(view.profile, new, lambda p: p.as_of)}


def _coverage(view: MemberView, event: ev.DomainEvent, at: datetime, *, prefix: str = "") -> Changes:
    d = event.data
    new = Coverage(plan_code=d["plan_code"], coverage_tier=d["coverage_tier"],
                   effective_date=d[f"{prefix}effective_date"], as_of=at, event_id=event.id)
    return {"coverage": _later(view.coverage, new, lambda c: c.as_of)}


def _enrolled(view: MemberView, event: ev.DomainEvent, at: datetime) -> Changes:
    return {
        "enrollment": _later(view.enrollment, Enrollment(at=at, event_id=event.id), lambda e: e.at),
        **_profile(view, event, at),
        **_coverage(view, event, at, prefix="coverage_"),
    }


def _disenrolled(view: MemberView, event: ev.DomainEvent, at: datetime) -> Changes:
    new = Disenrollment(at=at, reason=event.data["reason"], event_id=event.id)
    return {"disenrollment": _later(view.disenrollment, new, lambda e: e.at)}


def _claim(view: MemberView, event: ev.DomainEvent, at: datetime) -> Changes:
    d = event.data
    claim_id = str(d["claim_id"])
    facts = view.claims.get(claim_id) or ClaimFacts(claim_id=claim_id)
    if event.type == ev.CLAIM_SUBMITTED:
        sub = Submission(at=at, service_date=d["service_date"], provider_id=d["provider_id"],
                         billed_amount=_money(d["billed_amount"]), event_id=event.id)
        facts = ClaimFacts(claim_id, _later(facts.submission, sub, lambda f: f.at), facts.adjudication, facts.payment)
    elif event.type == ev.CLAIM_ADJUDICATED:
        adj = Adjudication(at=at, outcome=d["outcome"], allowed_amount=_money(d["allowed_amount"]),
                           event_id=event.id)
        facts = ClaimFacts(claim_id, facts.submission, _later(facts.adjudication, adj, lambda f: f.at), facts.payment)
    else:
        pay = Payment(at=at, paid_amount=_money(d["paid_amount"]), event_id=event.id)
        facts = ClaimFacts(claim_id, facts.submission, facts.adjudication, _later(facts.payment, pay, lambda f: f.at))
    return {"claims": {**view.claims, claim_id: facts}}


def _visit(view: MemberView, event: ev.DomainEvent, at: datetime) -> Changes:
    d = event.data
    visit_id = str(d["visit_id"])
    new = Visit(visit_id=visit_id, completed_at=at, visit_type=d["visit_type"], provider_id=d["provider_id"],
                diagnosis_codes=tuple(d["diagnosis_codes"]), event_id=event.id)
    return {"visits": {**view.visits, visit_id: _later(view.visits.get(visit_id), new, lambda v: v.completed_at)}}


_HANDLERS: Mapping[str, Callable[[MemberView, ev.DomainEvent, datetime], Changes]] = {
    ev.MEMBER_ENROLLED: _enrolled,
    ev.MEMBER_PROFILE_UPDATED: _profile,
    ev.MEMBER_COVERAGE_CHANGED: _coverage,
    ev.MEMBER_DISENROLLED: _disenrolled,
    ev.CLAIM_SUBMITTED: _claim,
    ev.CLAIM_ADJUDICATED: _claim,
    ev.CLAIM_PAID: _claim,
    ev.VISIT_COMPLETED: _visit,
}


def handles(event_type: str) -> bool:
    """Whether the fold uses events of this type (identity links and unknown types are not folded)."""
    return event_type in _HANDLERS


def apply(view: MemberView | None, event: ev.DomainEvent) -> MemberView:
    """Fold one event into a member's view (None: the member has no view yet); returns the new view."""
    member_id = event.resolved_member_id
    if member_id is None:
        raise UnresolvedEventError(
            f"Event {event.id!r} of type {event.type!r} has no member; resolve its local ID first "
            "(domains.care.member360.identity)"
        )
    handler = _HANDLERS.get(event.type)
    if handler is None:
        if view is None:
            raise ValueError(f"Event {event.id!r} of unknown type {event.type!r} cannot start a view")
        return view
    at: datetime = event.data[TIME_FIELD[event.type]]
    if view is None:
        view = MemberView(member_id=member_id, updated_at=at)
    elif view.member_id != member_id:
        raise ValueError(f"Event {event.id!r} belongs to member {member_id!r}, not to {view.member_id!r}")
    # one replace per event: dataclasses.replace is the fold's main cost
    return dataclasses.replace(view, **handler(view, event, at), updated_at=max(view.updated_at, at))


def fold(events: Iterable[ev.DomainEvent], *, views: dict[str, MemberView] | None = None) -> dict[str, MemberView]:
    """Fold resolved events into per-member views (a convenience for tests, benchmarks and replays)."""
    result = {} if views is None else views
    for event in events:
        if not handles(event.type):
            continue
        member_id = event.resolved_member_id
        if member_id is None:
            raise UnresolvedEventError(f"Event {event.id!r} of type {event.type!r} has no member")
        result[member_id] = apply(result.get(member_id), event)
    return result


def _fact_times(view: MemberView) -> list[datetime]:
    times = [f.at for f in (view.enrollment, view.disenrollment) if f is not None]
    times += [f.as_of for f in (view.profile, view.coverage) if f is not None]
    for claim in view.claims.values():
        times += [f.at for f in (claim.submission, claim.adjudication, claim.payment) if f is not None]
    return times + [v.completed_at for v in view.visits.values()]


def _unless(fact: F | None, event_id: str) -> F | None:
    return None if fact is None or fact.event_id == event_id else fact


def retract(view: MemberView | None, event: ev.DomainEvent) -> MemberView | None:
    """Fold a claim or visit event *out* of a view (its local ID was re-linked to another member).

    Removes the fact that event put there (matched by event id; a fact another event replaced stays),
    drops a claim or visit left without facts, and recomputes `updated_at` as the latest remaining fact
    (every folded event's time is at most its key's kept fact's, so this equals folding the events that
    remain). Idempotent; None when no fact remains (the member has no view). Claims and visits are keyed
    by ids of their own local ID's system, so retracting all of a local ID's events removes them whole.
    """
    if view is None or event.type not in ev.LOCAL_ID_FIELD:
        return view
    claims, visits = dict(view.claims), dict(view.visits)
    if event.type == ev.VISIT_COMPLETED:
        visit_id = str(event.data["visit_id"])
        if visit_id in visits and visits[visit_id].event_id == event.id:
            del visits[visit_id]
    else:
        claim_id = str(event.data["claim_id"])
        facts = claims.get(claim_id)
        if facts is not None:
            sub, adj, pay = (_unless(facts.submission, event.id), _unless(facts.adjudication, event.id),
                             _unless(facts.payment, event.id))
            if sub is None and adj is None and pay is None:
                del claims[claim_id]
            else:
                claims[claim_id] = ClaimFacts(claim_id, sub, adj, pay)
    if claims == view.claims and visits == view.visits:
        return view
    shrunk = dataclasses.replace(view, claims=claims, visits=visits)
    times = _fact_times(shrunk)
    return dataclasses.replace(shrunk, updated_at=max(times)) if times else None
