"""The exact member-360 record each member must end with, computed from the generator's member model.

Deliberately independent of the fold (`domains.care.member360`): it reads the model's facts directly
(the final profile, each claim's furthest step, ...) instead of replaying events, so a test comparing
the fold's output with this truth checks the fold rather than itself. It follows the view semantics
documented in domains/care/member360/view.py.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from domains.feed.model import ClaimModel, MemberModel

_CENT = Decimal("0.01")
_STATUSES = ("submitted", "approved", "denied", "paid")


def claim_status(claim: ClaimModel) -> str:
    """The furthest step the claim reached in the model."""
    if claim.paid_at is not None:
        return "paid"
    if claim.outcome is not None:
        return claim.outcome
    return "submitted"


def _totals(claims: list[ClaimModel]) -> dict[str, Any]:
    return {
        "claim_count": len(claims),
        "billed_amount": sum((c.billed for c in claims), Decimal(0)).quantize(_CENT),
        "allowed_amount": sum((c.allowed for c in claims if c.allowed is not None), Decimal(0)).quantize(_CENT),
        "paid_amount": sum((c.paid for c in claims if c.paid is not None), Decimal(0)).quantize(_CENT),
    }


def expected_view(member: MemberModel) -> dict[str, Any]:
    """The `mesh.care.Member360` record of a member once every one of its records has been folded."""
    profile = max(member.profiles, key=lambda p: p.at)
    coverage = max(member.coverages, key=lambda c: c.at)
    claims_summary = _totals(member.claims)
    claims_summary["by_status"] = [
        {"status": s, **_totals([c for c in member.claims if claim_status(c) == s])} for s in _STATUSES
    ]
    last_claim = None
    if member.claims:
        c = max(member.claims, key=lambda c: (c.submitted_at, c.claim_id))
        last_claim = {
            "claim_id": c.claim_id, "status": claim_status(c), "submitted_at": c.submitted_at,
            "service_date": c.service_date, "billed_amount": c.billed.quantize(_CENT),
            "allowed_amount": None if c.allowed is None else c.allowed.quantize(_CENT),
            "paid_amount": None if c.paid is None else c.paid.quantize(_CENT),
        }
    last_visit = None
    if member.visits:
        v = max(member.visits, key=lambda v: (v.completed_at, v.visit_id))
        last_visit = {"visit_id": v.visit_id, "completed_at": v.completed_at, "visit_type": v.visit_type,
                      "provider_id": v.provider_id, "diagnosis_codes": list(v.diagnosis_codes)}
    per_code: Counter[str] = Counter()
    for visit in member.visits:
        per_code.update(set(visit.diagnosis_codes))
    ranked = sorted(per_code, key=lambda code: (-per_code[code], code))[:5]
    times = [member.enrolled_at, *(p.at for p in member.profiles), *(c.at for c in member.coverages)]
    times += [member.disenrolled_at] if member.disenrolled_at else []
    for claim in member.claims:
        times += [t for t in (claim.submitted_at, claim.adjudicated_at, claim.paid_at) if t is not None]
    times += [v.completed_at for v in member.visits]
    disenrolled = member.disenrolled_at is not None
    return {
        "member_id": member.member_id,
        "status": "disenrolled" if disenrolled else "active",
        "enrolled_at": member.enrolled_at,
        "disenrolled_at": member.disenrolled_at,
        "disenrollment_reason": member.disenrollment_reason,
        "profile": {"given_name": profile.given_name, "family_name": profile.family_name,
                    "birth_date": profile.birth_date, "email": profile.email,
                    "postal_code": profile.postal_code, "as_of": profile.at},
        "coverage": {"plan_code": coverage.plan_code, "coverage_tier": coverage.coverage_tier,
                     "effective_date": coverage.effective_date, "as_of": coverage.at},
        "claims": claims_summary,
        "last_claim": last_claim,
        "visits": {"visit_count": len(member.visits),
                   "by_type": dict(sorted(Counter(v.visit_type for v in member.visits).items()))},
        "last_visit": last_visit,
        "top_diagnoses": [{"code": code, "visit_count": per_code[code]} for code in ranked],
        "updated_at": max(times),
    }
