"""The domain schemas: valid Avro, one documented record per file, and the member-360 record renders."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import fastavro
import pytest

from domains.care.member360.view import render
from tests.unit.domains.test_member360_fold import HISTORY, fold_all

SCHEMAS = sorted(Path("schemas").glob("*/*.avsc"))


def _fields(schema: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    """Every field of every record reachable from `schema`, with its dotted path."""
    if isinstance(schema, list):
        return [f for branch in schema for f in _fields(branch, path)]
    if not isinstance(schema, dict):
        return []
    if schema.get("type") == "record":
        out = []
        for field in schema["fields"]:
            out.append((f"{path}{field['name']}", field))
            out.extend(_fields(field["type"], f"{path}{field['name']}."))
        return out
    if schema.get("type") == "array":
        return _fields(schema["items"], path)
    if schema.get("type") == "map":
        return _fields(schema["values"], path)
    return []


def test_every_domain_has_schemas() -> None:
    assert {p.parent.name for p in SCHEMAS} == {"membership", "claims", "clinical", "care"}


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: str(p))
def test_one_documented_record_per_file_in_its_domain_namespace(path: Path) -> None:
    schema = json.loads(path.read_text())
    fastavro.parse_schema(schema)
    assert schema["type"] == "record"
    assert schema["namespace"] == f"mesh.{path.parent.name}"
    assert schema["doc"]
    undocumented = [name for name, field in _fields(schema, "") if not field.get("doc")]
    assert undocumented == []


def test_times_are_timestamp_millis_and_money_is_decimal() -> None:
    for path in SCHEMAS:
        for name, field in _fields(json.loads(path.read_text()), ""):
            types = field["type"] if isinstance(field["type"], list) else [field["type"]]
            logical = {t.get("logicalType") for t in types if isinstance(t, dict)}
            if name.endswith(("_at", "as_of")):
                assert logical == {"timestamp-millis"}, f"{path}: {name}"
            if name.endswith("_amount"):
                assert logical == {"decimal"}, f"{path}: {name}"


def test_rendered_view_round_trips_through_the_member_360_schema() -> None:
    schema = fastavro.parse_schema(json.loads(Path("schemas/care/member_360.avsc").read_text()))
    record = render(fold_all(HISTORY))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, record)
    buffer.seek(0)
    assert fastavro.schemaless_reader(buffer, schema, schema) == record


def test_the_member_360_schema_mirrors_the_rendered_view_field_for_field() -> None:
    schema = json.loads(Path("schemas/care/member_360.avsc").read_text())
    record = render(fold_all(HISTORY))

    def names(value: dict[str, Any], prefix: str = "") -> set[str]:
        out = set()
        for key, inner in value.items():
            out.add(f"{prefix}{key}")
            if key == "by_type":  # an Avro map: its keys are data, not fields
                continue
            for item in inner if isinstance(inner, list) else [inner]:
                if isinstance(item, dict):
                    out |= names(item, f"{prefix}{key}.")
        return out

    assert names(record) == {path for path, _ in _fields(schema, "")}
