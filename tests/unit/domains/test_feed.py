"""The feed generator: deterministic, realistic and out of order, and its truth matches the fold."""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domains.care.member360.events import DomainEvent
from domains.care.member360.replay import replay
from domains.claims.service import ClaimsService
from domains.feed import Feed, SourceRecord, generate, with_redeliveries
from domains.membership.service import MembershipService
from domains.playback import PRODUCTS, play
from domains.publishing import Published, RecordingPublisher
from domains.service import UnknownRecordError

SCHEMA_FILES = {
    "MemberEnrolled": "membership/member_enrolled.avsc", "MemberProfileUpdated": "membership/member_profile_updated.avsc",
    "MemberCoverageChanged": "membership/member_coverage_changed.avsc",
    "MemberDisenrolled": "membership/member_disenrolled.avsc",
    "MemberIdentityLinked": "membership/member_identity_linked.avsc", "ClaimSubmitted": "claims/claim_submitted.avsc",
    "ClaimAdjudicated": "claims/claim_adjudicated.avsc", "ClaimPaid": "claims/claim_paid.avsc",
    "VisitCompleted": "clinical/visit_completed.avsc",
}


@pytest.fixture(scope="module")
def feed() -> Feed:
    return generate(500, seed=2026)


def publish_all(records: list[SourceRecord]) -> list[Published]:
    """Run the records, in arrival order, through the three domain services with recording publishers."""
    log: list[Published] = []
    counts = play(records, {name: RecordingPublisher(name, log) for name in PRODUCTS})
    assert sum(counts.values()) == len(log) == len(records)
    return log


def as_events(published: list[Published]) -> list[DomainEvent]:
    return [DomainEvent(id=p.id, type=p.event_type, source=p.product, time=p.time, data=p.data) for p in published]


def test_same_seed_same_feed_other_seed_other_feed() -> None:
    assert generate(50, seed=1) == generate(50, seed=1)
    assert generate(50, seed=1).records != generate(50, seed=2).records


def test_fold_over_the_feed_in_arrival_order_equals_the_truth(feed: Feed) -> None:
    result = replay(as_events(publish_all(list(feed.records))))
    assert result.resolver.pending_count == 0
    assert result.records() == feed.expected


def test_redeliveries_change_nothing(feed: Feed) -> None:
    records = with_redeliveries(feed.records, rate=0.2, seed=3)
    assert len(records) > len(feed.records)
    assert replay(as_events(publish_all(records))).records() == feed.expected


def test_arrival_is_out_of_order_across_and_within_domains(feed: Feed) -> None:
    linked: set[str] = set()
    early = Counter[str]()
    submitted: set[str] = set()
    overtaken = 0
    for r in feed.records:
        if r.kind == "MemberIdentityLinked":
            linked.add(str(r.fields["local_id"]))
        elif r.system == "claims" and r.fields["subscriber_id"] not in linked:
            early["claims"] += 1
        elif r.system == "clinical" and r.fields["mrn"] not in linked:
            early["clinical"] += 1
        if r.kind == "ClaimSubmitted":
            submitted.add(str(r.fields["claim_id"]))
        elif r.system == "claims" and r.fields["claim_id"] not in submitted:
            overtaken += 1
    assert early["claims"] > 0 and early["clinical"] > 0
    assert overtaken > 0


def test_the_shape_is_realistic(feed: Feed) -> None:
    kinds = Counter(r.kind for r in feed.records)
    per_member_claims = Counter(len(m.claims) for m in feed.members)
    assert set(per_member_claims) <= set(range(9)) and len(per_member_claims) > 5
    assert kinds["ClaimSubmitted"] > kinds["ClaimAdjudicated"] > kinds["ClaimPaid"] > 0
    outcomes = Counter(r.fields["outcome"] for r in feed.records if r.kind == "ClaimAdjudicated")
    assert outcomes["approved"] > outcomes["denied"] > 0
    assert 0 < kinds["MemberDisenrolled"] < len(feed.members) / 4
    assert kinds["MemberProfileUpdated"] > 0 and kinds["MemberCoverageChanged"] > 0
    assert kinds["MemberIdentityLinked"] == 2 * len(feed.members)
    statuses = Counter(v["status"] for v in feed.expected.values())
    assert statuses["active"] > statuses["disenrolled"] > 0


def test_every_record_encodes_with_its_event_schema(feed: Feed) -> None:
    schemas = {k: fastavro.parse_schema(json.loads(Path("schemas", f).read_text())) for k, f in SCHEMA_FILES.items()}
    for record in feed.records[:3000]:
        fastavro.schemaless_writer(io.BytesIO(), schemas[record.kind], dict(record.fields))


def test_times_are_utc_milliseconds(feed: Feed) -> None:
    for record in feed.records[:2000]:
        assert record.at.tzinfo is UTC and record.at.microsecond % 1000 == 0
    assert all(r.at >= datetime(2025, 1, 1, tzinfo=UTC) for r in feed.records)


def test_services_key_events_by_their_systems_id(feed: Feed) -> None:
    keys = {(p.product, p.key == (p.data.get("member_id") or p.data.get("subscriber_id") or p.data.get("mrn")))
            for p in publish_all(list(feed.records[:500]))}
    assert keys == {("members", True), ("member_identity", True), ("claims", True), ("visits", True)}


def test_a_service_refuses_another_systems_records(feed: Feed) -> None:
    record = next(r for r in feed.records if r.system == "clinical")
    with pytest.raises(UnknownRecordError, match="does not publish clinical/VisitCompleted"):
        ClaimsService({"claims": RecordingPublisher("claims")}).handle(record)


def test_a_service_needs_a_publisher_per_product() -> None:
    with pytest.raises(ValueError, match="member_identity"):
        MembershipService({"members": RecordingPublisher("members")})


SMALL = generate(40, seed=11)


@settings(max_examples=10, deadline=None)
@given(shuffle=st.randoms(use_true_random=False), redeliver=st.floats(0.0, 0.5))
def test_any_arrival_order_with_redeliveries_reaches_the_truth(shuffle: random.Random, redeliver: float) -> None:
    records = with_redeliveries(SMALL.records, rate=redeliver, seed=shuffle.randrange(1000))
    shuffle.shuffle(records)
    assert replay(as_events(publish_all(records))).records() == SMALL.expected


def test_a_tag_keeps_feeds_of_other_sizes_apart_and_replays_identically() -> None:
    small, big = generate(20, seed=5, tag="a1-"), generate(30, seed=5, tag="b2-")
    ids = lambda feed: {r.record_id for r in feed.records}
    assert not ids(small) & ids(big)
    assert all(m.startswith("Ma1-") for m in small.expected)
    assert all(r.fields.get("subscriber_id", "S-a1-").startswith("S-a1-") for r in small.records)
    assert generate(20, seed=5, tag="a1-").records == small.records


RELINKED = generate(40, seed=11, relinks=0.5)


def test_relinks_add_mistaken_links_that_move_events_on_the_way() -> None:
    wrong = [r for r in RELINKED.records if r.record_id.rsplit("-", 1)[-1].startswith("wrong")]
    owner = {r.fields["local_id"]: r for r in RELINKED.records
             if r.kind == "MemberIdentityLinked" and r not in wrong}
    assert len(wrong) >= 20
    # every mistaken link loses to the owner's: older, or a tie on linked_at with a smaller member_id
    assert all((w.fields["linked_at"], w.fields["member_id"]) < (owner[w.fields["local_id"]].fields["linked_at"],
               owner[w.fields["local_id"]].fields["member_id"]) for w in wrong)
    assert any(w.fields["linked_at"] == owner[w.fields["local_id"]].fields["linked_at"] for w in wrong)
    result = replay(as_events(publish_all(list(RELINKED.records))))
    assert result.resolver.retracted, "no mistaken link won for a while: the feed exercises no re-link"
    assert result.records() == RELINKED.expected


@settings(max_examples=15, deadline=None)
@given(shuffle=st.randoms(use_true_random=False), redeliver=st.floats(0.0, 0.5))
def test_any_arrival_order_of_relinks_with_redeliveries_reaches_the_truth(shuffle: random.Random,
                                                                           redeliver: float) -> None:
    records = with_redeliveries(RELINKED.records, rate=redeliver, seed=shuffle.randrange(1000))
    shuffle.shuffle(records)
    assert replay(as_events(publish_all(records))).records() == RELINKED.expected


def test_relinks_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="relinks is a fraction"):
        generate(5, relinks=1.5)
