"""The README's SDK snippet works as written: a claim published from the descriptor is consumed back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from mesh import MeshSettings
from mesh.core.settings import KafkaSettings, RegistrySettings
from mesh.products.clients import consumer_for, producer_for
from mesh.products.loader import load_all

ROOT = Path(__file__).resolve().parents[2]


def test_readme_producer_and_consumer(kafka_settings: KafkaSettings, schema_registry_url: str,
                                      unique_name: Callable[[str], str]) -> None:
    settings = MeshSettings(kafka=kafka_settings,
                            registry=RegistrySettings(url=schema_registry_url))
    products = {p.id: p for p in load_all(ROOT / "domains", project_root=ROOT)}
    topic = unique_name("claims")
    admin = AdminClient(kafka_settings.client_config())  # kept alive until the topic exists
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    claim = {"claim_id": "CLM-1", "subscriber_id": "S-1", "submitted_at": datetime(2026, 1, 2, tzinfo=UTC),
             "service_date": datetime(2026, 1, 1).date(), "provider_id": "NPI1", "billed_amount": Decimal("12.50")}
    with producer_for(products["claims.claims"], settings=settings, topic=topic, auto_register=True) as claims:
        claims.publish("com.healthco.claims.ClaimSubmitted.v1", claim, key=claim["subscriber_id"])
    seen: list[tuple[str, str]] = []
    with consumer_for([products["claims.claims"]], group_id=unique_name("g"), settings=settings,
                      topics=[topic]) as consumer:
        consumer.run(lambda event: seen.append((event.type, event.data["claim_id"])), max_events=1, idle_timeout=20)
    assert seen == [("com.healthco.claims.ClaimSubmitted.v1", "CLM-1")]
