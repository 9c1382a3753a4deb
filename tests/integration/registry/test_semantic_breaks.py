"""Semantic breaks against the session registry on the real broker: reported to every client, refused
only for a subject that opted in with `refuseSemanticBreaks` (stored in the `_schemas` log)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

DEC = {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}
V1 = {"type": "record", "name": "ClaimSubmitted", "namespace": "mesh.claims",
      "fields": [{"name": "claim_id", "type": "string"}, {"name": "billed_amount", "type": DEC}]}
AS_STRING = {**V1, "fields": [V1["fields"][0], {"name": "billed_amount", "type": "string"}]}


def avro(schema: dict[str, object]) -> Schema:
    return Schema(json.dumps(schema), "AVRO")


def test_semantic_break_is_reported_then_refused_once_the_subject_opts_in(
    registry_client: SchemaRegistryClient, schema_registry_url: str, unique_name: Callable[[str], str]
) -> None:
    subject = unique_name("claims") + "-value"
    registry_client.register_schema(subject, avro(V1))
    assert registry_client.test_compatibility(subject, avro(AS_STRING)) is True  # Avro's verdict, unchanged
    with httpx.Client(base_url=schema_registry_url) as http:
        verbose = http.post(f"/compatibility/subjects/{subject}/versions/latest?verbose=true",
                            json={"schema": json.dumps(AS_STRING)}).json()
        assert verbose["is_compatible"] is True
        assert any("DECIMAL_REPRESENTATION_CHANGED" in m and "billed_amount" in m for m in verbose["messages"])
        put = http.put(f"/config/{subject}", json={"refuseSemanticBreaks": True})
        assert put.json()["refuseSemanticBreaks"] is True
    assert registry_client.test_compatibility(subject, avro(AS_STRING)) is False
    with pytest.raises(SchemaRegistryError) as refused:
        registry_client.register_schema(subject, avro(AS_STRING))
    assert refused.value.http_status_code == 409
    assert "billed_amount" in refused.value.error_message
