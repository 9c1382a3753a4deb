"""The member-360 processor end to end: the feed through the real SDK producer, registry and broker,
the processor as a subprocess, every member's view (topic and HTTP) against the independent ground truth.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import confluent_kafka
import confluent_kafka.admin

from domains.care.member360.app import INPUT_TS_HEADER
from domains.care.member360.events import CLAIM_PAID, MEMBER_IDENTITY_LINKED
from domains.care.member360.runner import ProcessorProcess
from domains.feed import generate, with_redeliveries
from domains.wiring import publish_records
from mesh.core.naming import dlq_topic
from mesh.processing.partitioning import consistent_partition
from mesh.processing.web import as_json
from mesh.sdk import Producer
from tests.integration.care.conftest import Mesh360
from tests.support.readback import events_to_end, records_to_end

MEMBERS = int(os.environ.get("M360_MEMBERS", "5000"))  # the issue asks for at least 5,000
# four worker starts; 1,200 members (~20,000 events) fit make test's 15-minute budget, and `make fault-100k`
# runs the same test with M360_CRASH_MEMBERS=6300 (~100,000 events, 105,000 with the redeliveries)
CRASH_MEMBERS = int(os.environ.get("M360_CRASH_MEMBERS", "1200"))
DLQ_MEMBERS = 300
RELINK_MEMBERS = 400
MAX_PENDING = 30


def views_on_topic(mesh: Mesh360) -> dict[str, Any]:
    """The latest record per key of the member-360 topic (read-committed), decoded with the SDK's reader."""
    latest: dict[str, Any] = {}
    for event in events_to_end(mesh.settings, mesh.config.output_topic):
        assert event.type == "com.healthco.care.Member360.v1"
        latest[event.partitionkey or ""] = event.data
    return latest


def close(producers: dict[str, Producer]) -> None:
    for producer in producers.values():
        producer.close()


def views_over_http(proc: ProcessorProcess, member_ids: list[str]) -> dict[str, Any]:
    return {member_id: proc.member(member_id) for member_id in member_ids}


def assert_exact(mesh: Mesh360, proc: ProcessorProcess, expected: dict[str, dict[str, Any]]) -> None:
    on_topic = views_on_topic(mesh)
    assert set(on_topic) == set(expected)
    wrong = [m for m in expected if on_topic[m] != expected[m]]
    assert wrong == [], f"{len(wrong)} views on the topic differ, e.g. {wrong[:3]}"
    over_http = views_over_http(proc, sorted(expected))
    wrong = [m for m in expected if over_http[m] != as_json(expected[m])]
    assert wrong == [], f"{len(wrong)} views over HTTP differ, e.g. {wrong[:3]}"


def test_every_view_matches_the_ground_truth(mesh360: Mesh360) -> None:
    feed = generate(MEMBERS, seed=360)
    producers = mesh360.producers()
    half = len(feed.records) // 2
    publish_records(feed.records[:half], producers)
    with mesh360.processor() as proc:
        publish_records(feed.records[half:], producers)  # the rest arrives while the processor runs
        close(producers)
        proc.wait_caught_up(timeout_s=900)
        proc.wait_serving()
        stats = proc.stats()
        assert stats["members"] == MEMBERS
        assert stats.get("dead_lettered", 0) == 0
        assert stats["held"] > 0 and stats["released"] > 0  # late links were exercised
        assert_exact(mesh360, proc, dict(feed.expected))


def test_relinks_in_any_order_give_the_ground_truth(mesh360: Mesh360) -> None:
    """Mistaken links corrected later (tie or older): events resolved through them move to the right member."""
    feed = generate(RELINK_MEMBERS, seed=363, relinks=0.5)
    producers = mesh360.producers()
    half = len(feed.records) // 2
    publish_records(feed.records[:half], producers)
    with mesh360.processor() as proc:
        publish_records(feed.records[half:], producers)
        close(producers)
        proc.wait_caught_up(timeout_s=600)
        proc.wait_serving()
        stats = proc.stats()
        assert stats.get("moved", 0) > 0  # some mistaken links won for a while, and their events moved
        assert stats.get("dead_lettered", 0) == 0
        assert_exact(mesh360, proc, dict(feed.expected))


def test_three_sigkills_mid_run_still_give_the_ground_truth_and_no_duplicate(mesh360: Mesh360) -> None:
    feed = generate(CRASH_MEMBERS, seed=361)
    records = with_redeliveries(feed.records, rate=0.05)  # the sources redeliver too
    producers = mesh360.producers()
    publish_records(records, producers)
    close(producers)
    consumed = 0  # input events read by the workers so far (views are coalesced: inputs measure progress)
    for kill in (1, 2, 3):
        worker = mesh360.processor(f"killed-{kill}").start()
        worker.wait_serving(timeout_s=180)
        deadline = time.monotonic() + 600
        while (consumed + worker.stats().get("in", 0)) < kill * len(records) // 4:
            assert time.monotonic() < deadline, f"worker {kill} made no progress"
            time.sleep(0.2)
        consumed += worker.stats().get("in", 0)
        worker.kill()
        assert sum(worker.lag().values()) > 0  # it really died in the middle of the run
    with mesh360.processor("survivor") as survivor:
        survivor.wait_caught_up(timeout_s=900)
        survivor.wait_serving()
        assert survivor.stats()["members"] == CRASH_MEMBERS
        assert_exact(mesh360, survivor, dict(feed.expected))
    seen = Counter(view_records(mesh360))
    repeated = [item for item, n in seen.items() if n > 1]
    assert repeated == [], f"{len(repeated)} view records seen twice by a read-committed reader"


def view_records(mesh: Mesh360) -> list[tuple[str, str]]:
    """(member id, view) of every record a read-committed consumer sees on the member-360 topic."""
    return [(event.partitionkey or "", repr(sorted(event.data.items())))
            for event in events_to_end(mesh.settings, mesh.config.output_topic)]


def test_undecodable_and_unresolvable_events_go_to_the_dead_letter_topic(mesh360: Mesh360) -> None:
    feed = generate(DLQ_MEMBERS, seed=362)
    claims_topic = mesh360.config.claims_topic
    producers = mesh360.producers()
    publish_records(feed.records[: len(feed.records) // 2], producers)
    raw = confluent_kafka.Producer(mesh360.settings.kafka.client_config())
    # undecodable: a CloudEvent whose value is not Confluent-framed Avro
    raw.produce(claims_topic, b"not avro", b"S-1", headers=[
        ("ce_id", b"bad-1"), ("ce_source", b"/test"), ("ce_specversion", b"1.0"),
        ("ce_type", b"com.healthco.claims.ClaimPaid.v1"), ("ce_time", b"2025-01-01T00:00:00Z"),
        ("content-type", b"application/avro")])
    raw.flush(30)
    # unresolvable: more claims of an unknown subscriber than the buffer holds; a real subscriber has at
    # most 8 claims x 3 events, so no real event overflows it
    claims = producers["claims"]
    for n in range(MAX_PENDING + 1):
        claims.publish(CLAIM_PAID, {"claim_id": f"CLM-GHOST-{n}", "subscriber_id": "S-GHOST",
                                    "paid_at": datetime(2025, 3, 1, tzinfo=UTC), "paid_amount": Decimal("1.00"),
                                    "payment_reference": f"PAY-{n}"},
                       key="S-GHOST", time=datetime(2025, 3, 1, tzinfo=UTC), id=f"ghost-{n}")
    publish_records(feed.records[len(feed.records) // 2:], producers)
    close(producers)
    with mesh360.processor(max_pending=MAX_PENDING) as proc:
        proc.wait_caught_up(timeout_s=600)
        proc.wait_serving()
        assert proc.stats()["dead_lettered"] == 2
        assert_exact(mesh360, proc, dict(feed.expected))  # the rest flowed on
    letters = dead_letters(mesh360, dlq_topic(claims_topic))
    assert sorted(letters) == ["bad-1", "ghost-0"]
    assert letters["bad-1"]["mesh_error_class"] == "FramingError"
    assert letters["ghost-0"]["mesh_error_class"] == "ProcessingError"
    assert "S-GHOST" in letters["ghost-0"]["mesh_error"]
    assert letters["ghost-0"]["mesh_original_topic"] == claims_topic


def dead_letters(mesh: Mesh360, topic: str) -> dict[str, dict[str, str]]:
    """ce_id -> the text headers of every dead letter on `topic`."""
    found: dict[str, dict[str, str]] = {}
    for message in records_to_end(mesh.settings, topic):
        headers = {k: (v or b"").decode() for k, v in message.headers() or []}
        found[headers["ce_id"]] = headers
    return found


BACKLOG = 800  # ~1.7 KB each: ~1.4 MB of waiting events, past Kafka's 1 MB record limit if kept in one record


def test_a_backlog_of_one_local_id_is_held_event_by_event_and_released_whole(mesh360: Mesh360) -> None:
    # Claims of one subscriber arrive long before its identity link (an identity outage, a late member):
    # each waits as a record of its own, so the backlog may outgrow what one Kafka record can carry.
    producers = mesh360.producers()
    paid = datetime(2025, 3, 1, tzinfo=UTC)
    for n in range(BACKLOG):
        producers["claims"].publish(CLAIM_PAID, {
            "claim_id": f"CLM-LATE-{n}", "subscriber_id": "S-LATE", "paid_at": paid,
            "paid_amount": Decimal("2.50"), "payment_reference": f"PAY-{n}-" + "x" * 1_500,
        }, key="S-LATE", time=paid, id=f"late-{n}")
    producers["claims"].flush()
    with mesh360.processor() as proc:
        proc.wait_ready()
        assert proc.stats()["ready"] == 1
        deadline = time.monotonic() + 300
        while proc.stats().get("held", 0) < BACKLOG:
            assert time.monotonic() < deadline, f"only {proc.stats().get('held', 0)} of {BACKLOG} held"
            time.sleep(0.2)
        producers["member_identity"].publish(MEMBER_IDENTITY_LINKED, {
            "member_id": "M-LATE", "system": "claims", "local_id": "S-LATE", "linked_at": paid,
        }, key="M-LATE", time=paid, id="link-late")
        close(producers)
        proc.wait_caught_up(timeout_s=600)
        proc.wait_serving()
        stats = proc.stats()
        assert stats["released"] == BACKLOG and stats.get("dead_lettered", 0) == 0
        view = proc.member("M-LATE")
    assert view["claims"]["claim_count"] == BACKLOG
    assert Decimal(str(view["claims"]["paid_amount"])) == Decimal("2.50") * BACKLOG


BURST = 300


def test_a_burst_for_one_member_publishes_one_view_per_checkpoint_not_one_per_event(mesh360: Mesh360) -> None:
    # 300 claims of one member, all waiting before the worker starts: they are folded within a checkpoint
    # or two (the re-keying hops commit in between), and each checkpoint publishes the member's view once
    producers = mesh360.producers()
    paid = datetime(2025, 3, 1, tzinfo=UTC)
    producers["member_identity"].publish(MEMBER_IDENTITY_LINKED, {
        "member_id": "M-BURST", "system": "claims", "local_id": "S-BURST", "linked_at": paid,
    }, key="M-BURST", time=paid, id="link-burst")
    for n in range(BURST):
        producers["claims"].publish(CLAIM_PAID, {
            "claim_id": f"CLM-BURST-{n}", "subscriber_id": "S-BURST", "paid_at": paid,
            "paid_amount": Decimal("1.25"), "payment_reference": f"PAY-{n}",
        }, key="S-BURST", time=paid, id=f"burst-{n}")
    close(producers)
    with mesh360.processor(commit_interval_s=5.0) as proc:
        proc.wait_caught_up(timeout_s=300)
        proc.wait_serving()
        stats = proc.stats()
        view = proc.member("M-BURST")
    assert stats["resolved"] == BURST and stats.get("dead_lettered", 0) == 0
    assert view["claims"]["claim_count"] == BURST
    records = committed_records(mesh360, mesh360.config.output_topic)
    assert {key for key, _, _ in records} == {b"M-BURST"}
    assert 1 <= len(records) <= 3, f"{len(records)} view records for a burst of {BURST} claims"
    assert stats["published"] == len(records)
    partitions = len(mesh360_partitions(mesh360, mesh360.config.output_topic))
    # the partition the SDK producer would choose for the member key (co-partitioned with members)
    assert {partition for _, partition, _ in records} == {consistent_partition(b"M-BURST", partitions)}
    # each record carries the time of the oldest input folded in since the member's previous view
    input_times = [int(dict(headers)[INPUT_TS_HEADER]) for _, _, headers in records]
    assert input_times == sorted(input_times)


def mesh360_partitions(mesh: Mesh360, topic: str) -> list[int]:
    admin = confluent_kafka.admin.AdminClient(mesh.settings.kafka.client_config())
    return sorted(admin.list_topics(topic, timeout=10).topics[topic].partitions)


def committed_records(mesh: Mesh360, topic: str) -> list[tuple[bytes, int, list[tuple[str, bytes]]]]:
    """(key, partition, headers) of every record a read-committed consumer sees on `topic`."""
    consumer = confluent_kafka.Consumer({**mesh.settings.kafka.client_config(), "group.id": f"{topic}.count",
                                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                                         "enable.partition.eof": True})
    partitions = mesh360_partitions(mesh, topic)
    consumer.assign([confluent_kafka.TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in partitions])
    found: list[tuple[bytes, int, list[tuple[str, bytes]]]] = []
    at_end: set[int] = set()
    deadline = time.monotonic() + 60
    try:
        while len(at_end) < len(partitions) and time.monotonic() < deadline:
            for message in consumer.consume(100, 1.0):
                if message.error():
                    if message.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
                        at_end.add(message.partition())
                    continue
                found.append((message.key(), message.partition(), list(message.headers() or [])))
    finally:
        consumer.close()
    assert len(at_end) == len(partitions), "the output topic was not read to its end"
    return found
