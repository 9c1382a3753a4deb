"""The catalog pages through FastAPI's TestClient: Kafka faked, the registry a confluent-kafka mock."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from fastapi.testclient import TestClient

from mesh.catalog.app import create_app
from mesh.catalog.broker import BrokerView
from mesh.catalog.schemas import RegistryView
from mesh.catalog.status import GroupLag, TopicObservation
from mesh.core.errors import KafkaError
from mesh.core.settings import CatalogSettings, MeshSettings
from mesh.products.loader import Product, load_all
from mesh.sdk.envelope import AVRO_CONTENT_TYPE, Event, binary_headers
from mesh.sdk.schemas import canonical_text
from mesh.sdk.serde import ValueSerializer
from tests.support.messages import FakeMessage

ROOT = Path(__file__).resolve().parents[3]
NOW_MS = int(time.time() * 1000)


class FakeBroker(BrokerView):
    """Answers `observe` from fixed data; `fail` makes it raise like an unreachable broker."""

    def __init__(self, messages: list[Any], *, age_ms: int, fail: bool = False) -> None:
        super().__init__(MeshSettings())
        self.messages, self.age_ms, self.fail = messages, age_ms, fail

    def observe(self, topic: str, dlq_topic: str, *, window_s: int = 60, samples: int = 0,
                groups: bool = True) -> tuple[TopicObservation, list[Any]]:
        if self.fail:
            raise KafkaError("Cannot read the state of topic 'x': broker down", hint="start Kafka")
        seen = TopicObservation(topic=topic, exists=True, at_ms=NOW_MS, retained=10, recent=12, window_s=window_s,
                                last_event_ms=NOW_MS - self.age_ms, dead_letters=3,
                                groups=(GroupLag("member360", 4),) if groups else ())
        return seen, self.messages[:samples]


@pytest.fixture(scope="module")
def products() -> list[Product]:
    return load_all(ROOT / "domains", project_root=ROOT)


@pytest.fixture
def registry(products: list[Product]) -> Iterator[SchemaRegistryClient]:
    client = SchemaRegistryClient.new_client({"url": "mock://catalog"})
    claims = next(p for p in products if p.id == "claims.claims")
    submitted = claims.schema_for("com.healthco.claims.ClaimSubmitted.v1")
    old = {**submitted.schema, "fields": submitted.schema["fields"][:-1]}
    client.register_schema(submitted.subject, Schema(canonical_text(old), "AVRO"))
    client.register_schema(submitted.subject, Schema(canonical_text(submitted.schema), "AVRO"))
    yield client


def _message(products: list[Product], registry: SchemaRegistryClient) -> FakeMessage:
    claims = next(p for p in products if p.id == "claims.claims")
    submitted = claims.schema_for("com.healthco.claims.ClaimSubmitted.v1")
    schema_id = registry.get_latest_version(submitted.subject).schema_id
    value = ValueSerializer(submitted.schema, schema_id)({
        "claim_id": "CLM-1", "subscriber_id": "SUB-77", "submitted_at": 1_700_000_000_000,
        "service_date": 19_000, "provider_id": "NPI-123", "billed_amount": b"\x04\xd2"})
    event = Event("e1", "/claims/claims.claims", submitted.event_type, None, time="2026-12-05T10:00:00Z",
                  datacontenttype=AVRO_CONTENT_TYPE)
    return FakeMessage(topic=claims.descriptor.topic, partition=2, offset=41, value=value, key=b"SUB-77",
                       headers=binary_headers(event), timestamp=(1, NOW_MS - 5000))


def _client(products: list[Product], registry: SchemaRegistryClient, **broker: Any) -> TestClient:
    settings = MeshSettings(catalog=CatalogSettings(samples=3))
    fake = FakeBroker([_message(products, registry)], **broker)
    return TestClient(create_app(settings, products, broker=fake, registry=RegistryView(settings, client=registry)))


def test_list_searches_and_filters(products: list[Product], registry: SchemaRegistryClient) -> None:
    client = _client(products, registry, age_ms=1000)
    page = client.get("/", params={"q": "provider", "domain": "claims"}).text
    assert 'href="/products/claims.claims"' in page and "clinical.visits" not in page
    assert "1 of 5 products" in page
    assert 'option value="aggregate"' in page


def test_product_page_shows_facts_versions_live_state_and_masked_samples(
        products: list[Product], registry: SchemaRegistryClient) -> None:
    page = _client(products, registry, age_ms=5000).get("/products/claims.claims").text
    assert "Claims Platform" in page and "claims-data@healthco.example" in page and "2557d" in page
    assert 'id="freshness-state">met<' in page
    assert 'id="rate">12.0<' in page and 'id="dead-letters">3<' in page and "member360</code> lag 4" in page
    assert "v1 (id" in page and "v2 (id" in page  # both registered versions of ClaimSubmitted
    assert '<span class="badge phi">phi</span>' in page
    assert "CLM-1" in page  # internal: shown
    assert "SUB-77" not in page and "NPI-123" not in page  # pii key and phi field: masked
    assert "••• (phi)" in page and "••• (pii)" in page


def test_a_stale_product_is_breached(products: list[Product], registry: SchemaRegistryClient) -> None:
    page = _client(products, registry, age_ms=2 * 3_600_000).get("/products/claims.claims").text
    assert 'id="freshness-state">breached<' in page


def test_broker_down_is_said_on_the_page_not_a_crash(products: list[Product], registry: SchemaRegistryClient) -> None:
    response = _client(products, registry, age_ms=0, fail=True).get("/products/claims.claims")
    assert response.status_code == 200
    assert "broker down" in response.text and "Event types" in response.text


def test_diff_between_two_versions(products: list[Product], registry: SchemaRegistryClient) -> None:
    client = _client(products, registry, age_ms=0)
    page = client.get("/products/claims.claims/diff", params={
        "event": "com.healthco.claims.ClaimSubmitted.v1", "a": 1, "b": 2}).text
    assert '<tr class="added"><td><code>billed_amount</code>' in page


def test_unknown_product_and_event_type_are_404_with_a_hint(products: list[Product],
                                                            registry: SchemaRegistryClient) -> None:
    client = _client(products, registry, age_ms=0)
    missing = client.get("/products/claims.nope")
    assert missing.status_code == 404 and "ids are &lt;domain&gt;.&lt;product&gt;" in missing.text
    wrong = client.get("/products/claims.claims/diff", params={"event": "x", "a": 1, "b": 2})
    assert wrong.status_code == 404 and "ClaimPaid.v1" in wrong.text


def test_status_api_and_metrics(products: list[Product], registry: SchemaRegistryClient) -> None:
    client = _client(products, registry, age_ms=90_000)
    status = client.get("/api/products/claims.claims/status").json()
    assert (status["state"], status["age"], status["dead_letters"]) == ("met", "1m 30s", 3)
    metrics = client.get("/metrics").text
    assert 'mesh_catalog_http_requests_total{method="GET",route="/api",status="200"} 1.0' in metrics
    assert "mesh_catalog_broker_requests_total 0.0" in metrics  # the fake made none


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (make system-deps)")
def test_lineage_page_is_an_svg_with_links(products: list[Product], registry: SchemaRegistryClient) -> None:
    page = _client(products, registry, age_ms=0).get("/products/claims.claims/lineage").text
    assert "<svg" in page and 'href="/products/care.member_360"' in page and "member360" in page
