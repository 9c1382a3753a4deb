"""Producers built from descriptors: a generated feed goes through the real broker and registry intact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]
from confluent_kafka.schema_registry import SchemaRegistryClient

from domains.feed import generate
from domains.wiring import publish_records, source_producers
from mesh.core.naming import record_subject
from mesh.core.settings import KafkaSettings, MeshSettings, RegistrySettings
from mesh.products.clients import consumer_for
from mesh.products.loader import load_all

ROOT = Path(__file__).resolve().parents[3]


def test_feed_published_from_descriptors_reads_back_field_for_field(
    kafka_settings: KafkaSettings, schema_registry_url: str, registry_client: SchemaRegistryClient,
    unique_name: Callable[[str], str],
) -> None:
    products = load_all(ROOT / "domains", project_root=ROOT)
    settings = MeshSettings(kafka=kafka_settings,
                            registry=RegistrySettings(url=schema_registry_url))
    names = ("members", "member_identity", "claims", "visits")
    topics = {name: unique_name(name) for name in names}
    admin = AdminClient(kafka_settings.client_config())
    for future in admin.create_topics([NewTopic(t, num_partitions=2, replication_factor=1) for t in topics.values()]).values():
        future.result(30)

    feed = generate(15, seed=7)
    producers = source_producers(products, settings=settings, topics=topics, auto_register=True)
    try:
        counts = publish_records(feed.records, producers)
    finally:
        for producer in producers.values():
            producer.close()
    assert sum(counts.values()) == len(feed.records)

    consumer = consumer_for(products, group_id=unique_name("g"), settings=settings, topics=list(topics.values()))
    got = {}
    with consumer:
        for event in consumer.events(max_events=len(feed.records), idle_timeout=20):
            got[event.id] = event
    assert set(got) == {r.record_id for r in feed.records}
    for record in feed.records:
        event = got[record.record_id]
        assert event.data == dict(record.fields)  # field for field, Avro round trip
        assert event.type.endswith(f".{record.kind}.v1")
    # every event schema is registered under its own subject on the (private) topic
    subjects = set(registry_client.get_subjects())
    assert record_subject(topics["claims"], "mesh.claims.ClaimPaid") in subjects
