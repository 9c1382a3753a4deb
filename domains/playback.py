"""Play a feed through the three domain services, in arrival order, onto the products' publishers.

    publishers = {"members": ..., "member_identity": ..., "claims": ..., "visits": ...}
    play(generate(5000, seed=1).records, publishers)

Each value is a `Publish` callable: a `RecordingPublisher` in tests, the `publish` of a
producer from `domains.wiring.source_producers` in the demo.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from domains.claims.service import ClaimsService
from domains.clinical.service import ClinicalService
from domains.feed.records import SourceRecord
from domains.membership.service import MembershipService
from domains.publishing import Publish
from domains.service import DomainService

PRODUCTS = ("members", "member_identity", "claims", "visits")


def services(publishers: Mapping[str, Publish]) -> dict[str, DomainService]:
    """The domain service of each operational system, wired to the given product publishers."""
    return {"membership": MembershipService(publishers), "claims": ClaimsService(publishers),
            "clinical": ClinicalService(publishers)}


def play(records: Iterable[SourceRecord], publishers: Mapping[str, Publish]) -> Counter[str]:
    """Hand every record to its system's service, in order; returns how many records each system published."""
    by_system = services(publishers)
    counts: Counter[str] = Counter()
    for record in records:
        by_system[record.system].handle(record)
        counts[record.system] += 1
    return counts
