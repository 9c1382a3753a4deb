"""The generator's own model of each member: the facts every record and the expected view derive from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ProfileVersion:
    """A complete profile as recorded at `at`."""

    at: datetime
    given_name: str
    family_name: str
    birth_date: date
    email: str
    postal_code: str


@dataclass(frozen=True, slots=True)
class CoverageVersion:
    """A plan and tier as recorded at `at`."""

    at: datetime
    plan_code: str
    coverage_tier: str
    effective_date: date


@dataclass(frozen=True, slots=True)
class ClaimModel:
    """One claim's life: submitted, maybe adjudicated, maybe paid."""

    claim_id: str
    submitted_at: datetime
    service_date: date
    provider_id: str
    billed: Decimal
    adjudicated_at: datetime | None = None
    outcome: str | None = None
    allowed: Decimal | None = None
    denial_reason: str | None = None
    paid_at: datetime | None = None
    paid: Decimal | None = None
    payment_reference: str | None = None


@dataclass(frozen=True, slots=True)
class VisitModel:
    """One completed encounter."""

    visit_id: str
    completed_at: datetime
    visit_type: str
    provider_id: str
    diagnosis_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WrongLink:
    """A mistaken link of this member's local ID (`system`) to another member, later corrected.

    It loses to the member's own link by the re-link rule (identity.link_rank): it is older, or has the
    same `linked_at` and names a member with a smaller member_id. The truth is unchanged by it.
    """

    system: str
    member_id: str
    linked_at: datetime


@dataclass(slots=True)
class MemberModel:
    """Everything true about one member; the generator fills it, records and truth read it."""

    member_id: str
    subscriber_id: str
    mrn: str
    enrolled_at: datetime
    claims_linked_at: datetime
    clinical_linked_at: datetime
    profiles: list[ProfileVersion] = field(default_factory=list)
    coverages: list[CoverageVersion] = field(default_factory=list)
    disenrolled_at: datetime | None = None
    disenrollment_reason: str | None = None
    claims: list[ClaimModel] = field(default_factory=list)
    visits: list[VisitModel] = field(default_factory=list)
    wrong_links: list[WrongLink] = field(default_factory=list)
