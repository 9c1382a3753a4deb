"""Data <-> framed Avro: round trips, field-level validation errors, schema resolution, decode failures."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from mesh.core.errors import (
    DataValidationError,
    FramingError,
    SchemaResolutionError,
    SerializationError,
    UnknownSchemaError,
)
from mesh.sdk.schemas import SchemaCache, canonical_text
from mesh.sdk.serde import ValueDeserializer, ValueSerializer
from tests.support.sdk_events import CLAIM_V1, claim, claim_v2


def _writer(schemas: dict[int, dict[str, Any]]) -> Any:
    def fetch(schema_id: int) -> dict[str, Any]:
        if schema_id not in schemas:
            raise UnknownSchemaError(f"no schema {schema_id}")
        return schemas[schema_id]

    return fetch


@pytest.mark.parametrize("adjudicated", [True, False], ids=["nested-record", "optional-null"])
def test_claim_round_trips(adjudicated: bool) -> None:
    record = claim(3, adjudicated=adjudicated)
    payload = ValueSerializer(CLAIM_V1, 42)(record)
    assert payload[:5] == b"\x00\x00\x00\x00\x2a"
    assert ValueDeserializer(_writer({42: CLAIM_V1}))(payload) == record


@pytest.mark.parametrize(
    ("change", "path", "expected"),
    [
        ({"priority": "high"}, "priority", "int"),
        ({"claim_type": "SURGERY"}, "claim_type", "enum"),
        ({"amount": "lots"}, "amount", "decimal"),
        ({"diagnosis_codes": ["ok", 7]}, "diagnosis_codes", "string"),
        ({"adjudication": {"adjudicator": 1, "decided_on": None, "approved_amount": None}}, "adjudicator", "string"),
    ],
    ids=["int-field", "enum-symbol", "decimal", "array-item", "nested-record-field"],
)
def test_bad_data_names_the_field_and_the_expected_type(change: dict[str, Any], path: str, expected: str) -> None:
    serialize = ValueSerializer(CLAIM_V1, 1)
    with pytest.raises(DataValidationError) as caught:
        serialize({**claim(1), **change})
    assert path in caught.value.path
    assert expected in caught.value.expected
    assert path in str(caught.value)


def test_missing_required_field_is_a_validation_error() -> None:
    record = claim(1)
    del record["member_id"]
    with pytest.raises(DataValidationError, match="member_id"):
        ValueSerializer(CLAIM_V1, 1)(record)


def test_v1_reader_reads_v2_data_as_v1() -> None:
    v2_record = {k: v for k, v in claim(5).items() if k != "notes"} | {"plan_code": "GOLD"}
    payload = ValueSerializer(claim_v2(), 2)(v2_record)
    got = ValueDeserializer(_writer({2: claim_v2()}), reader_schema=CLAIM_V1)(payload)
    assert got == {**claim(5), "notes": None}


def test_reader_that_cannot_resolve_raises_schema_resolution_error() -> None:
    reader = {**CLAIM_V1, "fields": [*CLAIM_V1["fields"], {"name": "region", "type": "string"}]}
    payload = ValueSerializer(CLAIM_V1, 1)(claim(1))
    with pytest.raises(SchemaResolutionError, match="schema id 1.*region"):
        ValueDeserializer(_writer({1: CLAIM_V1}), reader_schema=reader)(payload)


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (b"\x01\x00\x00\x00\x01abc", FramingError),
        (b"\x00\x00", FramingError),
        (b"\x00\x00\x00\x00\x09abc", UnknownSchemaError),
        (b"\x00\x00\x00\x00\x01\xff\xff\xff\xff\x0f", SerializationError),
    ],
    ids=["wrong-magic", "truncated", "unknown-schema-id", "avro-does-not-decode"],
)
def test_undecodable_payloads_raise_mesh_errors(payload: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        ValueDeserializer(_writer({1: CLAIM_V1}))(payload)


def test_decoders_are_cached_per_schema_id() -> None:
    calls: list[int] = []

    def fetch(schema_id: int) -> dict[str, Any]:
        calls.append(schema_id)
        return CLAIM_V1

    payload = ValueSerializer(CLAIM_V1, 1)(claim(1))
    deserialize = ValueDeserializer(fetch)
    deserialize(payload)
    deserialize(payload)
    assert calls == [1]


def test_confluent_serializer_and_ours_agree_byte_for_byte() -> None:
    client = SchemaRegistryClient.new_client({"url": "mock://serde-agree"})
    context = SerializationContext("t.claims", MessageField.VALUE)
    theirs = AvroSerializer(client, canonical_text(CLAIM_V1), conf={"auto.register.schemas": True})(claim(2), context)
    assert theirs is not None
    schema_id = SchemaCache(client=client).id_for("t.claims-value", CLAIM_V1)
    ours = ValueSerializer(CLAIM_V1, schema_id)(claim(2))
    assert ours == theirs
    assert AvroDeserializer(client)(ours, context) == claim(2)
