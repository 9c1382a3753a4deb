"""The member-360 view: the state kept per member, its exact semantics, and its rendering to Avro.

The state is a set of *keyed facts*, each the latest of its kind by (business time, event id):

    enrollment      latest MemberEnrolled                     -> enrolled_at, initial profile/coverage
    disenrollment   latest MemberDisenrolled                  -> disenrolled_at, reason
    profile         latest of MemberEnrolled / MemberProfileUpdated (full snapshots)
    coverage        latest of MemberEnrolled / MemberCoverageChanged
    claims[id]      per claim: latest ClaimSubmitted, latest ClaimAdjudicated, latest ClaimPaid
    visits[id]      per visit: latest VisitCompleted
    updated_at      max business time of every folded event

"Latest" is a maximum and every fact is keyed by business identity (member, claim id + event kind,
visit id), so folding is commutative, associative and idempotent: any arrival order and any number of
redeliveries give the same state. Nothing records event ids one by one, so the state grows with the
member's claims and visits, never with the number of events (redeliveries add nothing).

Rendered view (`render`, mirrored by schemas/care/member_360.avsc):
- status: 'active' if the latest lifecycle fact is an enrollment, 'disenrolled' if it is a
  disenrollment (ties: the disenrollment wins), 'unknown' if neither has arrived yet.
- a claim's status is the highest rank it has reached: submitted < approved/denied < paid; its
  amounts are the ones its facts carry (billed from the submission, allowed from the adjudication,
  paid from the payment; missing facts contribute nothing). Counts and sums by status count every
  claim once, under its current status, in the fixed order submitted, approved, denied, paid.
- last claim: the claim with the greatest (submitted_at, claim_id); a claim whose submission has not
  arrived yet uses its earliest known event time.
- last visit: the visit with the greatest (completed_at, visit_id).
- top diagnoses: the 5 codes listed by the most visits (a code counts once per visit), ties by code.
Amounts are USD decimals rounded to cents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

CLAIM_STATUSES = ("submitted", "approved", "denied", "paid")
TOP_DIAGNOSES = 5
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Enrollment:
    """The latest enrollment of the member."""

    at: datetime
    event_id: str


@dataclass(frozen=True, slots=True)
class Disenrollment:
    """The latest disenrollment of the member."""

    at: datetime
    reason: str
    event_id: str


@dataclass(frozen=True, slots=True)
class Profile:
    """The latest profile snapshot (from an enrollment or a profile update)."""

    given_name: str
    family_name: str
    birth_date: date
    email: str
    postal_code: str
    as_of: datetime
    event_id: str


@dataclass(frozen=True, slots=True)
class Coverage:
    """The latest coverage (from an enrollment or a coverage change)."""

    plan_code: str
    coverage_tier: str
    effective_date: date
    as_of: datetime
    event_id: str


@dataclass(frozen=True, slots=True)
class Submission:
    """The latest ClaimSubmitted fact of a claim."""

    at: datetime
    service_date: date
    provider_id: str
    billed_amount: Decimal
    event_id: str


@dataclass(frozen=True, slots=True)
class Adjudication:
    """The latest ClaimAdjudicated fact of a claim."""

    at: datetime
    outcome: str
    allowed_amount: Decimal
    event_id: str


@dataclass(frozen=True, slots=True)
class Payment:
    """The latest ClaimPaid fact of a claim."""

    at: datetime
    paid_amount: Decimal
    event_id: str


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """Everything known about one claim; any subset may have arrived."""

    claim_id: str
    submission: Submission | None = None
    adjudication: Adjudication | None = None
    payment: Payment | None = None

    @property
    def status(self) -> str:
        """The highest status reached: paid > approved/denied > submitted."""
        if self.payment is not None:
            return "paid"
        if self.adjudication is not None:
            return "denied" if self.adjudication.outcome == "denied" else "approved"
        return "submitted"

    @property
    def claim_time(self) -> datetime:
        """Submission time, or the earliest known event time while the submission is missing."""
        if self.submission is not None:
            return self.submission.at
        times = [f.at for f in (self.adjudication, self.payment) if f is not None]
        return min(times)


@dataclass(frozen=True, slots=True)
class Visit:
    """The latest VisitCompleted fact of a visit."""

    visit_id: str
    completed_at: datetime
    visit_type: str
    provider_id: str
    diagnosis_codes: tuple[str, ...]
    event_id: str


@dataclass(frozen=True, slots=True)
class MemberView:
    """The fold state of one member (see the module docstring for its semantics)."""

    member_id: str
    updated_at: datetime
    enrollment: Enrollment | None = None
    disenrollment: Disenrollment | None = None
    profile: Profile | None = None
    coverage: Coverage | None = None
    claims: Mapping[str, ClaimFacts] = field(default_factory=dict)
    visits: Mapping[str, Visit] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """'active', 'disenrolled' or 'unknown' (see the module docstring)."""
        if self.disenrollment is None:
            return "unknown" if self.enrollment is None else "active"
        if self.enrollment is None or self.disenrollment.at >= self.enrollment.at:
            return "disenrolled"
        return "active"


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT)


def _totals(count: int, billed: Decimal, allowed: Decimal, paid: Decimal) -> dict[str, Any]:
    return {"claim_count": count, "billed_amount": _cents(billed), "allowed_amount": _cents(allowed),
            "paid_amount": _cents(paid)}


def _claim_summary(claims: Iterable[ClaimFacts]) -> dict[str, Any]:
    """Counts and sums of all claims and by status, in one pass (runs for every published view)."""
    # per status: [count, billed, allowed, paid]; decimal sums are exact, so their order does not matter
    sums: dict[str, list[Any]] = {s: [0, ZERO, ZERO, ZERO] for s in CLAIM_STATUSES}
    for claim in claims:
        sub, adj, pay = claim.submission, claim.adjudication, claim.payment
        row = sums["paid" if pay is not None else "submitted" if adj is None
                   else "denied" if adj.outcome == "denied" else "approved"]  # = ClaimFacts.status
        row[0] += 1
        if sub is not None:
            row[1] += sub.billed_amount
        if adj is not None:
            row[2] += adj.allowed_amount
        if pay is not None:
            row[3] += pay.paid_amount
    rows = [sums[s] for s in CLAIM_STATUSES]
    summary = _totals(sum(r[0] for r in rows), sum((r[1] for r in rows), ZERO), sum((r[2] for r in rows), ZERO),
                      sum((r[3] for r in rows), ZERO))
    summary["by_status"] = [{"status": s, **_totals(*sums[s])} for s in CLAIM_STATUSES]
    return summary


def _last_claim(view: MemberView) -> dict[str, Any] | None:
    if not view.claims:
        return None
    claim = max(view.claims.values(), key=lambda c: (c.claim_time, c.claim_id))
    sub = claim.submission
    return {
        "claim_id": claim.claim_id,
        "status": claim.status,
        "submitted_at": sub.at if sub else None,
        "service_date": sub.service_date if sub else None,
        "billed_amount": _cents(sub.billed_amount) if sub else None,
        "allowed_amount": _cents(claim.adjudication.allowed_amount) if claim.adjudication else None,
        "paid_amount": _cents(claim.payment.paid_amount) if claim.payment else None,
    }


def _visit_parts(view: MemberView) -> dict[str, Any]:
    visits = list(view.visits.values())
    by_type: dict[str, int] = {}
    diagnoses: dict[str, int] = {}
    for v in visits:
        by_type[v.visit_type] = by_type.get(v.visit_type, 0) + 1
        for code in dict.fromkeys(v.diagnosis_codes):  # a code counts once per visit
            diagnoses[code] = diagnoses.get(code, 0) + 1
    top = sorted(diagnoses.items(), key=lambda item: (-item[1], item[0]))[:TOP_DIAGNOSES]
    last = max(visits, key=lambda v: (v.completed_at, v.visit_id)) if visits else None
    return {
        "visits": {"visit_count": len(visits), "by_type": dict(sorted(by_type.items()))},
        "last_visit": None if last is None else {
            "visit_id": last.visit_id, "completed_at": last.completed_at, "visit_type": last.visit_type,
            "provider_id": last.provider_id, "diagnosis_codes": list(last.diagnosis_codes),
        },
        "top_diagnoses": [{"code": code, "visit_count": count} for code, count in top],
    }


def render(view: MemberView) -> dict[str, Any]:
    """The Avro `mesh.care.Member360` record of a view (the value published on the member-360 topic)."""
    status = view.status
    dis = view.disenrollment if status == "disenrolled" else None
    profile, coverage = view.profile, view.coverage
    summary = _claim_summary(view.claims.values())
    return {
        "member_id": view.member_id,
        "status": status,
        "enrolled_at": view.enrollment.at if view.enrollment else None,
        "disenrolled_at": dis.at if dis else None,
        "disenrollment_reason": dis.reason if dis else None,
        "profile": None if profile is None else {
            "given_name": profile.given_name, "family_name": profile.family_name,
            "birth_date": profile.birth_date, "email": profile.email,
            "postal_code": profile.postal_code, "as_of": profile.as_of,
        },
        "coverage": None if coverage is None else {
            "plan_code": coverage.plan_code, "coverage_tier": coverage.coverage_tier,
            "effective_date": coverage.effective_date, "as_of": coverage.as_of,
        },
        "claims": summary,
        "last_claim": _last_claim(view),
        **_visit_parts(view),
        "updated_at": view.updated_at,
    }
