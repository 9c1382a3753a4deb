"""What the operational systems emit for a member: one `SourceRecord` per event, in the event's shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domains.feed.model import MemberModel


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record an operational system emits: which system, which event, its id and business time.

    `fields` is the record's content, already in the shape of the event schema of `kind`.
    """

    system: str  # 'membership', 'claims' or 'clinical'
    kind: str  # the event name, e.g. 'ClaimSubmitted'
    record_id: str  # unique in its system; services use it as the CloudEvent id
    at: datetime  # business time
    fields: Mapping[str, Any]


def _membership(m: MemberModel) -> list[SourceRecord]:
    first, cover = m.profiles[0], m.coverages[0]
    out = [SourceRecord("membership", "MemberEnrolled", f"{m.member_id}-enrolled", m.enrolled_at, {
        "member_id": m.member_id, "enrolled_at": m.enrolled_at, "given_name": first.given_name,
        "family_name": first.family_name, "birth_date": first.birth_date, "email": first.email,
        "postal_code": first.postal_code, "plan_code": cover.plan_code, "coverage_tier": cover.coverage_tier,
        "coverage_effective_date": cover.effective_date})]
    for system, local_id, at in (("claims", m.subscriber_id, m.claims_linked_at),
                                 ("clinical", m.mrn, m.clinical_linked_at)):
        out.append(SourceRecord("membership", "MemberIdentityLinked", f"{m.member_id}-link-{system}", at, {
            "member_id": m.member_id, "system": system, "local_id": local_id, "linked_at": at}))
    local_ids = {"claims": m.subscriber_id, "clinical": m.mrn}
    for k, wrong in enumerate(m.wrong_links, start=1):
        out.append(SourceRecord("membership", "MemberIdentityLinked", f"{m.member_id}-link-{wrong.system}-wrong{k}",
                                wrong.linked_at, {"member_id": wrong.member_id, "system": wrong.system,
                                                  "local_id": local_ids[wrong.system], "linked_at": wrong.linked_at}))
    for k, p in enumerate(m.profiles[1:], start=1):
        out.append(SourceRecord("membership", "MemberProfileUpdated", f"{m.member_id}-profile-{k}", p.at, {
            "member_id": m.member_id, "updated_at": p.at, "given_name": p.given_name, "family_name": p.family_name,
            "birth_date": p.birth_date, "email": p.email, "postal_code": p.postal_code}))
    for k, c in enumerate(m.coverages[1:], start=1):
        out.append(SourceRecord("membership", "MemberCoverageChanged", f"{m.member_id}-coverage-{k}", c.at, {
            "member_id": m.member_id, "changed_at": c.at, "plan_code": c.plan_code,
            "coverage_tier": c.coverage_tier, "effective_date": c.effective_date}))
    if m.disenrolled_at is not None:
        out.append(SourceRecord("membership", "MemberDisenrolled", f"{m.member_id}-disenrolled", m.disenrolled_at, {
            "member_id": m.member_id, "disenrolled_at": m.disenrolled_at, "reason": m.disenrollment_reason}))
    return out


def _claims(m: MemberModel) -> list[SourceRecord]:
    out = []
    for c in m.claims:
        out.append(SourceRecord("claims", "ClaimSubmitted", f"{c.claim_id}-submitted", c.submitted_at, {
            "claim_id": c.claim_id, "subscriber_id": m.subscriber_id, "submitted_at": c.submitted_at,
            "service_date": c.service_date, "provider_id": c.provider_id, "billed_amount": c.billed}))
        if c.adjudicated_at is not None:
            out.append(SourceRecord("claims", "ClaimAdjudicated", f"{c.claim_id}-adjudicated", c.adjudicated_at, {
                "claim_id": c.claim_id, "subscriber_id": m.subscriber_id, "adjudicated_at": c.adjudicated_at,
                "outcome": c.outcome, "allowed_amount": c.allowed, "denial_reason": c.denial_reason}))
        if c.paid_at is not None:
            out.append(SourceRecord("claims", "ClaimPaid", f"{c.claim_id}-paid", c.paid_at, {
                "claim_id": c.claim_id, "subscriber_id": m.subscriber_id, "paid_at": c.paid_at,
                "paid_amount": c.paid, "payment_reference": c.payment_reference}))
    return out


def _clinical(m: MemberModel) -> list[SourceRecord]:
    return [SourceRecord("clinical", "VisitCompleted", v.visit_id, v.completed_at, {
        "visit_id": v.visit_id, "mrn": m.mrn, "completed_at": v.completed_at, "provider_id": v.provider_id,
        "visit_type": v.visit_type, "diagnosis_codes": list(v.diagnosis_codes)}) for v in m.visits]


def records_of(member: MemberModel) -> list[SourceRecord]:
    """Every record the three systems emit for this member (in business-time order per system)."""
    return [*_membership(member), *_claims(member), *_clinical(member)]

