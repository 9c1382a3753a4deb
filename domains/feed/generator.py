"""The seeded generator: member models, the records the operational systems emit, their arrival order.

Shape per member (weights in the tables below): enrollment with a profile and a coverage; links of the
global member ID to a subscriber number (claims) and a medical record number (EHR); 0-2 profile
updates; sometimes a coverage change; about 1 in 10 disenrolled; 0-8 claims (about 10% still
undecided, 15% of decided ones denied, 85% of approved ones paid); 0-6 visits with 1-3 ICD-10 codes.

Arrival is out of order on purpose: every record arrives after a random delay that depends on its
system, and a quarter of identity links arrive weeks late, so claims and visits often arrive before
the link that resolves their local ID, and an adjudication can overtake its submission.
With `relinks` > 0, that fraction of local IDs is first linked by mistake to another (earlier) member
and then corrected: the mistaken link is older than the correct one, or (a third of them) has the same
`linked_at` and a smaller member_id, so by the re-link rule (`identity.link_rank`) the correct link
wins and the truth stays the member's own records; arrival order decides only what happens on the way.
Same `seed`, same feed, byte for byte.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domains.feed.model import ClaimModel, CoverageVersion, MemberModel, ProfileVersion, VisitModel, WrongLink
from domains.feed.records import SourceRecord, records_of
from domains.feed.truth import expected_view

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
DAY_MS = 86_400_000
GIVEN = ("Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hugo", "Ines", "Jonas", "Kim", "Luis",
         "Mara", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vera", "Wei", "Yara")
FAMILY = ("Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
          "Kowalski", "Lopez", "Meyer", "Nguyen", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka", "Weber")
PLANS = ("BRONZE-HMO", "SILVER-HMO", "GOLD-PPO", "PLATINUM-PPO")
TIERS = ("individual", "couple", "family")
DISENROLL_REASONS = ("voluntary", "non_payment", "moved", "deceased")
DENIAL_REASONS = ("not_covered", "no_authorization", "duplicate", "out_of_network")
VISIT_TYPES = ("office", "telehealth", "urgent_care", "emergency", "inpatient")
VISIT_TYPE_WEIGHTS = (50, 25, 12, 8, 5)
# ICD-10-CM codes with rough prevalence weights: common chronic conditions first.
DIAGNOSES = ("I10", "E11.9", "E78.5", "J06.9", "M54.5", "F41.1", "F32.9", "J45.909", "K21.9", "N39.0",
             "E66.9", "G43.909", "Z00.00", "R05.9", "M25.561", "L20.9", "H10.9", "B34.9", "R51.9", "E03.9")
DIAGNOSIS_WEIGHTS = (30, 22, 18, 15, 14, 10, 9, 8, 8, 7, 7, 5, 12, 6, 5, 4, 4, 4, 3, 3)
CLAIMS_PER_MEMBER_WEIGHTS = (8, 12, 14, 14, 14, 12, 10, 8, 8)  # 0..8 claims
VISITS_PER_MEMBER_WEIGHTS = (15, 25, 20, 15, 10, 8, 7)  # 0..6 visits


@dataclass(frozen=True, slots=True)
class Feed:
    """All records of N members in arrival order, and each member's expected member-360 record."""

    seed: int
    members: tuple[MemberModel, ...]
    records: tuple[SourceRecord, ...]
    expected: Mapping[str, dict[str, Any]]

    def for_system(self, system: str) -> list[SourceRecord]:
        """The records of one operational system, in arrival order."""
        return [r for r in self.records if r.system == system]


class _Gen:
    """Draws one member after the other from one `random.Random`; nothing else touches the generator."""

    def __init__(self, seed: int, n_members: int, tag: str = "", relinks: float = 0.0) -> None:
        self.rng = random.Random(seed)
        self.tag = tag
        self.relinks = relinks
        self.subscribers = self.rng.sample(range(1_000_000, 10_000_000), n_members)
        self.mrns = self.rng.sample(range(1_000_000, 10_000_000), n_members)
        self.providers = [f"NPI{self.rng.randrange(1_000_000_000, 2_000_000_000)}" for _ in range(200)]
        self.claim_seq = 0
        self.visit_seq = 0

    def draw(self, low: int, high: int) -> int:
        """A uniform integer in [low, high]; `random()` scaled is several times cheaper than `randint`."""
        return low + int(self.rng.random() * (high - low + 1))

    def at(self, after: datetime, min_ms: int, max_ms: int) -> datetime:
        return after + timedelta(milliseconds=self.draw(min_ms, max_ms))

    def money(self, low_cents: int, high_cents: int) -> Decimal:
        return Decimal(self.draw(low_cents, high_cents)).scaleb(-2)

    def profile(self, at: datetime, number: int, base: ProfileVersion | None) -> ProfileVersion:
        rng = self.rng
        given = base.given_name if base else rng.choice(GIVEN)
        family = base.family_name if base else rng.choice(FAMILY)
        birth = base.birth_date if base else date(1940, 1, 1) + timedelta(days=self.draw(0, 29_999))
        return ProfileVersion(at=at, given_name=given, family_name=family, birth_date=birth,
                              email=f"{given}.{family}.{number}.{self.draw(0, 99)}@example.com".lower(),
                              postal_code=f"{self.draw(0, 99_999):05d}")

    def member(self, index: int) -> MemberModel:
        rng = self.rng
        enrolled = self.at(EPOCH, 0, 180 * DAY_MS)
        m = MemberModel(member_id=f"M{self.tag}{index + 1:08d}", subscriber_id=f"S-{self.tag}{self.subscribers[index]}",
                        mrn=f"MRN-{self.tag}{self.mrns[index]}", enrolled_at=enrolled,
                        claims_linked_at=self.at(enrolled, 60_000, 2 * DAY_MS),
                        clinical_linked_at=self.at(enrolled, 60_000, 2 * DAY_MS))
        m.profiles.append(self.profile(enrolled, 0, None))
        m.coverages.append(CoverageVersion(at=enrolled, plan_code=rng.choice(PLANS), coverage_tier=rng.choice(TIERS),
                                           effective_date=enrolled.date() + timedelta(days=1)))
        for k in range(rng.choices((0, 1, 2), weights=(60, 30, 10))[0]):
            m.profiles.append(self.profile(self.at(enrolled, DAY_MS, 300 * DAY_MS), k + 1, m.profiles[0]))
        if rng.random() < 0.2:
            changed = self.at(enrolled, 30 * DAY_MS, 300 * DAY_MS)
            m.coverages.append(CoverageVersion(at=changed, plan_code=rng.choice(PLANS), coverage_tier=rng.choice(TIERS),
                                               effective_date=changed.date() + timedelta(days=1)))
        if rng.random() < 0.1:
            m.disenrolled_at = self.at(enrolled, 310 * DAY_MS, 400 * DAY_MS)
            m.disenrollment_reason = rng.choice(DISENROLL_REASONS)
        for _ in range(rng.choices(range(9), weights=CLAIMS_PER_MEMBER_WEIGHTS)[0]):
            m.claims.append(self.claim(enrolled))
        for _ in range(rng.choices(range(7), weights=VISITS_PER_MEMBER_WEIGHTS)[0]):
            m.visits.append(self.visit(enrolled))
        if self.relinks > 0 and index > 0:  # no draws otherwise: feeds without re-links stay as they were
            for system, linked in (("claims", m.claims_linked_at), ("clinical", m.clinical_linked_at)):
                if rng.random() < self.relinks:
                    other = f"M{self.tag}{self.draw(0, index - 1) + 1:08d}"  # smaller member_id: loses a tie
                    at = linked if rng.random() < 1 / 3 else self.at(linked, -2 * DAY_MS, -1)
                    m.wrong_links.append(WrongLink(system, other, at))
        return m

    def claim(self, enrolled: datetime) -> ClaimModel:
        rng = self.rng
        self.claim_seq += 1
        submitted = self.at(enrolled, DAY_MS, 400 * DAY_MS)
        billed = self.money(2_500, 350_000)
        decided: datetime | None = None
        outcome = reason = reference = None
        allowed = paid = None
        paid_at: datetime | None = None
        fate = rng.random()
        if fate >= 0.1:  # else: still waiting for adjudication
            decided = self.at(submitted, 3_600_000, 20 * DAY_MS)
            if fate < 0.1 + 0.9 * 0.15:
                outcome, allowed = "denied", Decimal("0.00")
                reason = DENIAL_REASONS[self.draw(0, len(DENIAL_REASONS) - 1)]
            else:
                outcome = "approved"
                allowed = (billed * self.draw(50, 100) / 100).quantize(Decimal("0.01"))
                if rng.random() < 0.85:
                    paid_at, paid = self.at(decided, DAY_MS, 10 * DAY_MS), allowed
                    reference = f"EFT-{self.draw(0, 10**9 - 1):09d}"
        return ClaimModel(claim_id=f"CLM-{self.tag}{self.claim_seq:09d}", submitted_at=submitted, billed=billed,
                          service_date=(submitted - timedelta(days=self.draw(0, 19))).date(),
                          provider_id=self.providers[self.draw(0, len(self.providers) - 1)],
                          adjudicated_at=decided, outcome=outcome, allowed=allowed, denial_reason=reason,
                          paid_at=paid_at, paid=paid, payment_reference=reference)

    def visit(self, enrolled: datetime) -> VisitModel:
        rng = self.rng
        self.visit_seq += 1
        codes = rng.choices(DIAGNOSES, weights=DIAGNOSIS_WEIGHTS, k=rng.choices((1, 2, 3), weights=(50, 35, 15))[0])
        return VisitModel(visit_id=f"ENC-{self.tag}{self.visit_seq:09d}", completed_at=self.at(enrolled, 0, 420 * DAY_MS),
                          visit_type=rng.choices(VISIT_TYPES, weights=VISIT_TYPE_WEIGHTS)[0],
                          provider_id=rng.choice(self.providers), diagnosis_codes=tuple(dict.fromkeys(codes)))

    def delay_ms(self, record: SourceRecord) -> int:
        """How long after its business time a record reaches Kafka (why arrival is out of order)."""
        rng = self.rng
        if record.kind == "MemberIdentityLinked" and rng.random() < 0.25:
            return self.draw(30 * DAY_MS, 120 * DAY_MS)  # a late cross-reference batch
        if record.system == "claims":
            return self.draw(0, 3 * DAY_MS)  # batch intake: may overtake earlier steps of a claim
        if record.system == "clinical":
            return self.draw(0, DAY_MS)
        return self.draw(0, 600_000)


def feed_tag(n_members: int, seed: int) -> str:
    """The id tag of a (size, seed) feed: runs of the same feed share ids, other feeds never collide."""
    return f"{zlib.crc32(f'{n_members}/{seed}'.encode()) & 0xFFFF:04x}-"


def generate(n_members: int, *, seed: int = 42, tag: str = "", relinks: float = 0.0) -> Feed:
    """Play the operational systems for `n_members` members; deterministic for a seed.

    `tag` goes into every identifier (member, subscriber, MRN, claim, visit), so feeds with other sizes or
    seeds can share the same topics without colliding (`M7f3a-00000001`); the same tag replays the same ids.
    `relinks`: the fraction of local IDs first linked to a wrong member, then corrected (module docstring).
    """
    if n_members < 0:
        raise ValueError(f"n_members must be >= 0, got {n_members}")
    if not 0.0 <= relinks <= 1.0:
        raise ValueError(f"relinks is a fraction of local IDs, between 0.0 and 1.0; got {relinks}")
    gen = _Gen(seed, n_members, tag, relinks)
    members = tuple(gen.member(i) for i in range(n_members))
    timed: list[tuple[datetime, int, SourceRecord]] = []
    for member in members:
        for record in records_of(member):
            timed.append((record.at + timedelta(milliseconds=gen.delay_ms(record)), len(timed), record))
    timed.sort(key=lambda item: (item[0], item[1]))
    return Feed(seed=seed, members=members, records=tuple(r for _, _, r in timed),
                expected={m.member_id: expected_view(m) for m in members})


def with_redeliveries(records: tuple[SourceRecord, ...] | list[SourceRecord], *, rate: float, seed: int = 7
                      ) -> list[SourceRecord]:
    """The same records with a fraction `rate` delivered a second time, somewhat later (at-least-once)."""
    rng = random.Random(seed)
    n = len(records)
    slots: list[tuple[float, SourceRecord]] = [(float(i), r) for i, r in enumerate(records)]
    for i, record in enumerate(records):
        if rng.random() < rate:
            slots.append((i + rng.uniform(0.5, max(1.0, n / 10)), record))
    slots.sort(key=lambda slot: slot[0])
    return [r for _, r in slots]
