"""The fallback subject convention: record fullname as subject, declared or default level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mesh.compat import Level, parse_schema
from mesh.core.errors import ConfigurationError, SchemaParseError
from mesh.governance.subjects import (
    Assignment,
    assigned_resolver,
    convention_resolver,
    parse_level,
    record_fullname,
)
from tests.unit.governance.avro_samples import field, record

RESOLVES = [
    ("namespace_joins_name", record("ClaimSubmitted", field("a")), "mesh.claims.ClaimSubmitted", Level.BACKWARD),
    ("no_namespace_is_name", record("Plain", field("a"), namespace=None), "Plain", Level.BACKWARD),
    ("dotted_name_ignores_namespace", record("x.y.Z", field("a")), "x.y.Z", Level.BACKWARD),
    ("declared_level_wins", record("R", field("a"), **{"x-compatibility": "FULL"}), "mesh.claims.R", Level.FULL),
    ("declared_level_any_case", record("R", field("a"), **{"x-compatibility": "none"}), "mesh.claims.R", Level.NONE),
    (
        "enum_is_named",
        json.dumps({"type": "enum", "name": "Status", "namespace": "mesh.claims", "symbols": ["A"]}),
        "mesh.claims.Status",
        Level.BACKWARD,
    ),
]


@pytest.mark.parametrize(("case", "text", "subject", "level"), RESOLVES, ids=[r[0] for r in RESOLVES])
def test_convention_resolves_subject_and_level(case: str, text: str, subject: str, level: Level) -> None:
    resolve = convention_resolver()
    assert resolve(Path("schemas/claims/x.avsc"), parse_schema(text)) == (subject, level)


def test_default_level_is_used_when_the_file_declares_none() -> None:
    resolve = convention_resolver(default_level="FORWARD_TRANSITIVE")
    _, level = resolve(Path("x.avsc"), parse_schema(record("R", field("a"))))
    assert level is Level.FORWARD_TRANSITIVE


REFUSES: list[tuple[str, Any, str]] = [
    ("top_level_primitive", {"type": "string"}, "/type"),
    ("top_level_array", {"type": "array", "items": "string"}, "/type"),
    ("unknown_level", json.loads(record("R", field("a"), **{"x-compatibility": "SIDEWAYS"})), "/x-compatibility"),
    ("level_not_a_string", {**json.loads(record("R", field("a"))), "x-compatibility": 3}, "/x-compatibility"),
]


@pytest.mark.parametrize(("case", "schema", "path"), REFUSES, ids=[r[0] for r in REFUSES])
def test_convention_refuses_with_the_schema_path(case: str, schema: Any, path: str) -> None:
    resolve = convention_resolver()
    with pytest.raises(SchemaParseError) as raised:
        resolve(Path("x.avsc"), parse_schema(schema))
    assert raised.value.path == path


def test_record_fullname_of_a_mapping_without_name_is_refused() -> None:
    with pytest.raises(SchemaParseError) as raised:
        record_fullname({"type": "record", "fields": []})
    assert raised.value.path == "/name"


def test_parse_level_names_the_input_and_the_choices() -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_level("SOMETIMES", where="--level")
    assert "--level" in str(raised.value) and "FULL_TRANSITIVE" in str(raised.value)


TOPIC = "prod.claims.claims.v1"
ASSIGNED = [
    Assignment(Path("schemas/claims/claim.avsc"), TOPIC, Level.BACKWARD_TRANSITIVE, "domains/claims/products/claims.yaml"),
    Assignment(Path("/abs/shared.avsc"), TOPIC, Level.FULL, "a.yaml"),
    Assignment(Path("/abs/shared.avsc"), "prod.claims.claims.v2", Level.FULL, "b.yaml"),
]
SCHEMA = record("ClaimSubmitted", field("a"), **{"x-compatibility": "NONE"})

# (case, path asked for, expected subject, expected level)
ASSIGNED_ANSWERS = [
    ("assigned_file_gets_topic_record_subject", "schemas/claims/claim.avsc", f"{TOPIC}-mesh.claims.ClaimSubmitted",
     Level.BACKWARD_TRANSITIVE),
    ("same_file_spelled_differently", "schemas/./claims/../claims/claim.avsc", f"{TOPIC}-mesh.claims.ClaimSubmitted",
     Level.BACKWARD_TRANSITIVE),
    ("unassigned_file_uses_fallback", "schemas/claims/other.avsc", "mesh.claims.ClaimSubmitted", Level.NONE),
]


@pytest.mark.parametrize(
    ("case", "path", "subject", "level"), ASSIGNED_ANSWERS, ids=[a[0] for a in ASSIGNED_ANSWERS]
)
def test_assigned_resolver(case: str, path: str, subject: str, level: Level) -> None:
    resolve = assigned_resolver(ASSIGNED, fallback=convention_resolver())
    assert resolve(Path(path), parse_schema(SCHEMA)) == (subject, level)


def test_assigned_resolver_refuses_a_file_of_two_topics() -> None:
    resolve = assigned_resolver(ASSIGNED, fallback=convention_resolver())
    with pytest.raises(ConfigurationError, match=r"several product topics: a.yaml \(prod.claims.claims.v1\), b.yaml"):
        resolve(Path("/abs/shared.avsc"), parse_schema(SCHEMA))
