"""confluent-kafka's SchemaRegistryClient and Avro serdes against the session registry (ours by default)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

CLAIM_V1 = {
    "type": "record", "name": "Claim", "namespace": "mesh.claims",
    "fields": [{"name": "claim_id", "type": "string"}, {"name": "amount", "type": "double"}],
}
CLAIM_V2 = {**CLAIM_V1, "fields": [*CLAIM_V1["fields"], {"name": "currency", "type": "string", "default": "EUR"}]}
CLAIM_BROKEN = {**CLAIM_V1, "fields": [*CLAIM_V1["fields"], {"name": "currency", "type": "string"}]}


def avro(schema: dict[str, object]) -> Schema:
    return Schema(json.dumps(schema), "AVRO")


def test_register_lookup_fetch_level_delete(
    registry_client: SchemaRegistryClient, schema_registry_url: str, unique_name: Callable[[str], str]
) -> None:
    subject = unique_name("claims") + "-value"
    first = registry_client.register_schema(subject, avro(CLAIM_V1))
    assert registry_client.register_schema(subject, avro(CLAIM_V1)) == first
    found = registry_client.lookup_schema(subject, avro(CLAIM_V1))
    assert (found.schema_id, found.version) == (first, 1)
    with SchemaRegistryClient({"url": schema_registry_url}) as uncached:
        fetched = uncached.get_schema(first)
    assert json.loads(fetched.schema_str) == CLAIM_V1

    registry_client.set_compatibility(subject, "FULL")
    assert registry_client.get_compatibility(subject) == "FULL"
    with pytest.raises(SchemaRegistryError) as refused:
        registry_client.register_schema(subject, avro(CLAIM_BROKEN))
    assert refused.value.http_status_code == 409
    assert "currency" in refused.value.error_message
    assert registry_client.test_compatibility(subject, avro(CLAIM_V2)) is True
    second = registry_client.register_schema(subject, avro(CLAIM_V2))
    assert second != first
    assert registry_client.get_versions(subject) == [1, 2]
    assert registry_client.get_latest_version(subject).schema_id == second

    assert registry_client.delete_version(subject, 2) == 2
    assert registry_client.get_versions(subject) == [1]
    assert registry_client.delete_subject(subject) == [1]
    assert registry_client.delete_subject(subject, permanent=True) == [1, 2]
    with pytest.raises(SchemaRegistryError) as gone:
        registry_client.get_versions(subject)
    assert gone.value.error_code == 40401


def test_avro_serde_round_trip(
    registry_client: SchemaRegistryClient, schema_registry_url: str, unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("claims")
    with SchemaRegistryClient({"url": schema_registry_url}) as consumer_side:  # own cache: fetches the id
        _round_trip(registry_client, consumer_side, topic)


def _round_trip(registry_client: SchemaRegistryClient, consumer_side: SchemaRegistryClient, topic: str) -> None:
    serializer = AvroSerializer(registry_client, json.dumps(CLAIM_V1))
    deserializer = AvroDeserializer(consumer_side)
    claim = {"claim_id": "c-1", "amount": 12.5}
    context = SerializationContext(topic, MessageField.VALUE)
    payload = serializer(claim, context)
    assert payload is not None and payload[0] == 0  # Confluent framing: magic byte, then the id
    schema_id = int.from_bytes(payload[1:5], "big")
    assert registry_client.get_latest_version(f"{topic}-value").schema_id == schema_id
    assert deserializer(payload, context) == claim
