"""The producer without a broker: no network in the constructor, validation before sending, headers, ids."""

from __future__ import annotations

import datetime as dt
import enum
import re

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from pydantic import BaseModel, ConfigDict, Field

from mesh.core.errors import ConfigurationError, DataValidationError, DeliveryError, UnknownSchemaError
from mesh.core.settings import KafkaSettings, MeshSettings, RegistrySettings
from mesh.sdk.producer import DeliveryFailure, Producer, UtcClock
from mesh.sdk.serde import ValueSerializer
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, SOURCE, claim

# Nothing listens on port 1: a producer that reached the network would fail or hang here.
NOWHERE = MeshSettings(kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1"),
                       registry=RegistrySettings(url="http://127.0.0.1:1"))


@pytest.fixture
def registry(unique_name: object) -> SchemaRegistryClient:
    return SchemaRegistryClient.new_client({"url": f"mock://producer-{id(unique_name)}"})


def _producer(registry: SchemaRegistryClient, **options: object) -> Producer:
    return Producer("t.claims.claims.v1", CLAIM_V1, source=SOURCE, settings=NOWHERE, registry=registry,
                    auto_register=True, config={"message.timeout.ms": 200, "log_level": 0}, **options)  # type: ignore[arg-type]


def test_constructor_does_not_touch_the_network() -> None:
    producer = Producer("t.claims.claims.v1", CLAIM_V1, source=SOURCE, settings=NOWHERE)
    assert producer.schema_id is None
    assert producer.flush(timeout=0) == 0


def test_unregistered_schema_fails_on_first_publish_naming_the_subject(registry: SchemaRegistryClient) -> None:
    producer = Producer("t.claims.claims.v1", CLAIM_V1, source=SOURCE, settings=NOWHERE, registry=registry)
    with pytest.raises(UnknownSchemaError, match="t.claims.claims.v1-value"):
        producer.publish(CLAIM_TYPE, claim(1))


def test_bad_data_raises_before_anything_is_queued(registry: SchemaRegistryClient) -> None:
    producer = _producer(registry)
    with pytest.raises(DataValidationError, match="'priority' expects int"):
        producer.publish(CLAIM_TYPE, {**claim(1), "priority": "urgent"})
    assert producer.flush(timeout=0) == 0  # nothing was queued, so nothing failed either


@pytest.mark.parametrize("event_type", ["ClaimSubmitted", "com.healthco.claims.claimSubmitted.v1",
                                        "com.healthco.claims.ClaimSubmitted"], ids=["bare", "lower", "no-major"])
def test_event_types_must_follow_the_convention(registry: SchemaRegistryClient, event_type: str) -> None:
    with pytest.raises(ConfigurationError, match="<org>.<domain>.<EventName>.v<major>"):
        _producer(registry).publish(event_type, claim(1))


def test_undelivered_events_are_reported_by_flush(registry: SchemaRegistryClient) -> None:
    producer = _producer(registry)
    producer.publish(CLAIM_TYPE, claim(1), key="M-1")
    producer.publish(CLAIM_TYPE, claim(2))
    with pytest.raises(DeliveryError) as caught:
        producer.flush(timeout=10)
    assert [(key, reason.split(":")[0]) for _, key, reason in caught.value.failures] == [
        (b"M-1", "_MSG_TIMED_OUT"), (None, "_MSG_TIMED_OUT")]


def test_delivery_failures_go_to_the_callback_when_given(registry: SchemaRegistryClient) -> None:
    failures: list[object] = []
    producer = _producer(registry, on_delivery_error=failures.append)
    producer.publish(CLAIM_TYPE, claim(1), key="M-1")
    assert producer.flush(timeout=10) == 0
    assert [(f.key, f.value) for f in failures] == [  # type: ignore[attr-defined]
        (b"M-1", producer._bindings[CLAIM_TYPE].serialize(claim(1)))]


def test_ids_are_unique_per_producer_and_keep_a_random_prefix(registry: SchemaRegistryClient) -> None:
    one, two = _producer(registry), _producer(registry)
    ids = [one.publish(CLAIM_TYPE, claim(n)) for n in range(3)]
    other = two.publish(CLAIM_TYPE, claim(1))
    assert len(set(ids)) == 3
    assert other.split("-")[0] != ids[0].split("-")[0]
    assert one.publish(CLAIM_TYPE, claim(9), id="explicit-1") == "explicit-1"


class Reading(BaseModel):
    member_id: str
    steps: int


READING = {"type": "record", "name": "Reading", "namespace": "mesh.test",
           "fields": [{"name": "member_id", "type": "string"}, {"name": "steps", "type": "int"}]}


def test_pydantic_models_are_published_as_their_fields(registry: SchemaRegistryClient) -> None:
    failures: list[DeliveryFailure] = []
    producer = Producer("t.fit.readings.v1", READING, source="/fit", settings=NOWHERE, registry=registry,
                        auto_register=True, on_delivery_error=failures.append,
                        config={"message.timeout.ms": 200, "log_level": 0})
    producer.publish("com.healthco.fit.StepsCounted.v1", Reading(member_id="M-1", steps=7))
    producer.flush(timeout=10)
    assert [f.value for f in failures] == [ValueSerializer(READING, producer.schema_id or 0)({"member_id": "M-1",
                                                                                            "steps": 7})]


class Kind(enum.Enum):
    WALK = "WALK"
    RUN = "RUN"


class Session(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    member: str = Field(alias="member_id")
    kind: Kind


SESSION = {"type": "record", "name": "Session", "namespace": "mesh.test", "fields": [
    {"name": "member_id", "type": "string"},
    {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["WALK", "RUN"]}}]}


def test_models_with_aliases_and_enums_are_published_as_the_schema_names_them(registry: SchemaRegistryClient) -> None:
    producer = Producer("t.fit.sessions.v1", SESSION, source="/fit", settings=NOWHERE, registry=registry,
                        auto_register=True, config={"message.timeout.ms": 200, "log_level": 0})
    producer.publish("com.healthco.fit.SessionLogged.v1", {"member_id": "M-0", "kind": "WALK"})
    sent: list[bytes] = []
    producer._produce = lambda topic, value, key, headers: sent.append(value)  # type: ignore[assignment,misc]
    producer.publish("com.healthco.fit.SessionLogged.v1", Session(member="M-1", kind=Kind.RUN))
    assert sent == [ValueSerializer(SESSION, producer.schema_id or 0)({"member_id": "M-1", "kind": "RUN"})]
    with pytest.raises(DeliveryError):
        producer.close(timeout=1)


def test_data_that_is_neither_mapping_nor_model_is_refused(registry: SchemaRegistryClient) -> None:
    with pytest.raises(DataValidationError, match="mapping or a pydantic model"):
        _producer(registry).publish(CLAIM_TYPE, [1, 2])  # type: ignore[arg-type]


def test_naive_event_time_is_refused(registry: SchemaRegistryClient) -> None:
    with pytest.raises(Exception, match="no time zone"):
        _producer(registry).publish(CLAIM_TYPE, claim(1), time=dt.datetime(2026, 1, 1))


def test_clock_gives_rfc3339_utc_milliseconds() -> None:
    stamp = UtcClock().now()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
    parsed = dt.datetime.fromisoformat(stamp)
    assert abs((dt.datetime.now(dt.UTC) - parsed).total_seconds()) < 60


def test_multi_event_product_registers_one_subject_per_event_schema(registry: SchemaRegistryClient) -> None:
    from mesh.core.naming import record_subject

    other = {"type": "record", "name": "ClaimPaid", "namespace": "mesh.claims",
             "fields": [{"name": "claim_id", "type": "string"}]}
    paid_type = "com.healthco.claims.ClaimPaid.v1"
    settings = MeshSettings(kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1"))  # never reached: nothing is sent
    producer = Producer("prod.claims.claims.v1", source="/claims", settings=settings, registry=registry,
                        auto_register=True, event_schemas={CLAIM_TYPE: CLAIM_V1, paid_type: other})
    claim_binding = producer._bind(CLAIM_TYPE)
    paid_binding = producer._bind(paid_type)
    assert claim_binding.schema_id != paid_binding.schema_id
    subjects = set(registry.get_subjects())
    assert record_subject("prod.claims.claims.v1", "mesh.claims.ClaimPaid") in subjects
    assert dict(paid_binding.headers)["ce_dataschema"].endswith(f"/schemas/ids/{paid_binding.schema_id}")
    with pytest.raises(ConfigurationError, match="no schema for event type"):
        producer.publish("com.healthco.claims.ClaimVoided.v1", {"claim_id": "c"})


def test_producer_needs_exactly_one_way_to_know_its_schemas() -> None:
    with pytest.raises(ConfigurationError, match="either one `schema` or `event_schemas`"):
        Producer("prod.claims.claims.v1", source="/claims", settings=MeshSettings())


def test_failures_reach_the_callback_while_publishing_without_a_flush(registry: SchemaRegistryClient) -> None:
    # a long-running service rarely flushes: publish() serves delivery reports itself now and then
    import time

    failures: list[DeliveryFailure] = []
    producer = _producer(registry, on_delivery_error=failures.append)
    producer.publish(CLAIM_TYPE, claim(0), key="first")
    time.sleep(2.0)  # its message.timeout.ms (200 ms) expires (librdkafka scans each second); nobody polled
    assert failures == []
    for n in range(1, 1024):
        producer.publish(CLAIM_TYPE, claim(n))
    assert failures and failures[0].key == b"first"
    assert failures[0].reason.startswith("_MSG_TIMED_OUT")
    producer.close(timeout=5)


def test_headers_are_written_in_the_order_the_consumers_hot_path_reads(registry: SchemaRegistryClient) -> None:
    from mesh.sdk.envelope import PRODUCER_HEADER_ORDER

    producer = _producer(registry)
    producer.publish(CLAIM_TYPE, claim(0))
    sent: list[list[tuple[str, object]]] = []
    producer._produce = lambda topic, value, key, headers: sent.append(headers)  # type: ignore[assignment,misc]
    producer.publish(CLAIM_TYPE, claim(1), key="M-1")
    assert [name for name, _ in sent[0]] == list(PRODUCER_HEADER_ORDER)
    with pytest.raises(DeliveryError):  # the first event: nothing listens at NOWHERE
        producer.close(timeout=1)
