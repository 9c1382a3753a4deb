"""Schema loading and the registry cache, against confluent-kafka's in-memory registry client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.core.errors import SchemaParseError, UnknownSchemaError
from mesh.sdk.schemas import SchemaCache, load_schema
from tests.support.sdk_events import CLAIM_V1, claim_v2


@pytest.fixture
def client(unique_name: object) -> SchemaRegistryClient:
    return SchemaRegistryClient.new_client({"url": f"mock://{id(unique_name)}"})


def test_register_then_look_up_gives_the_same_id(client: SchemaRegistryClient) -> None:
    registered = SchemaCache(client=client).id_for("t.claims-value", CLAIM_V1, register=True)
    assert SchemaCache(client=client).id_for("t.claims-value", CLAIM_V1) == registered


def test_ids_are_cached(client: SchemaRegistryClient) -> None:
    cache = SchemaCache(client=client)
    first = cache.id_for("t.claims-value", CLAIM_V1, register=True)
    client.delete_subject("t.claims-value", permanent=False)
    assert cache.id_for("t.claims-value", CLAIM_V1) == first


def test_unregistered_schema_without_register_is_unknown(client: SchemaRegistryClient) -> None:
    with pytest.raises(UnknownSchemaError, match="not registered under subject 't.claims-value'"):
        SchemaCache(client=client).id_for("t.claims-value", CLAIM_V1)


def test_by_id_returns_the_writer_schema(client: SchemaRegistryClient) -> None:
    cache = SchemaCache(client=client)
    schema_id = cache.id_for("t.claims-value", claim_v2(), register=True)
    assert [f["name"] for f in cache.by_id(schema_id)["fields"]] == [f["name"] for f in claim_v2()["fields"]]


def test_unknown_id_is_unknown_schema_error(client: SchemaRegistryClient) -> None:
    with pytest.raises(UnknownSchemaError, match="no schema with id 404"):
        SchemaCache(client=client).by_id(404)


def test_schema_url_points_at_the_registry() -> None:
    assert SchemaCache(url="http://reg:8081/").schema_url(7) == "http://reg:8081/schemas/ids/7"


def test_schema_url_of_an_injected_client_uses_its_url() -> None:
    client = SchemaRegistryClient({"url": "http://reg.example:8081"})
    assert SchemaCache(client=client).schema_url(3) == "http://reg.example:8081/schemas/ids/3"


def test_load_schema_from_file_text_and_mapping(tmp_path: Path) -> None:
    path = tmp_path / "claim.avsc"
    path.write_text(json.dumps(CLAIM_V1))
    assert load_schema(path) == load_schema(json.dumps(CLAIM_V1)) == load_schema(CLAIM_V1) == CLAIM_V1


@pytest.mark.parametrize(
    ("source", "message"),
    [("{not json", "not valid JSON"), ('"string"', "must be a JSON object"), (Path("/nope.avsc"), "Cannot read")],
    ids=["bad-json", "not-a-record", "missing-file"],
)
def test_bad_schemas_raise_schema_parse_error(source: str | Path, message: str) -> None:
    with pytest.raises(SchemaParseError, match=message):
        load_schema(source)
