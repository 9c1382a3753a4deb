"""Decoding with a reader schema: values equal fastavro.schemaless_reader(buf, writer, reader)."""

from __future__ import annotations

from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesh.core.errors import DecodingError
from mesh.sdk.codec import compile_decoder
from mesh.sdk.codec.decoding import fastavro_decode
from mesh.sdk.codec.encoding import fastavro_encode
from tests.unit.sdk.codec.avro_strategies import canonical, evolve, schemas, values
from tests.unit.sdk.codec.native_helpers import native_decode


def resolve_like_fastavro(writer: Any, reader: Any, datum: Any) -> None:
    body = fastavro_encode(fastavro.parse_schema(writer), datum)
    try:
        expected = fastavro_decode(fastavro.parse_schema(writer), fastavro.parse_schema(reader), body)
    except Exception:  # noqa: BLE001 - fastavro cannot resolve this pair for this datum: nor may we
        with pytest.raises(DecodingError):
            compile_decoder(writer, reader)(body)
        return
    assert canonical(compile_decoder(writer, reader)(body)) == canonical(expected)
    built, value = native_decode(writer, reader, body)  # the C decoder itself, no fallback behind it
    if built:
        assert canonical(value) == canonical(expected)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_writer_reader_pairs_resolve_like_fastavro(data: st.DataObject) -> None:
    writer = data.draw(schemas())
    datum = data.draw(values(writer, {}))
    reader = data.draw(evolve(writer))
    resolve_like_fastavro(writer, reader, datum)


def _record(*fields: dict[str, Any], name: str = "Claim") -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "mesh.claims", "fields": list(fields)}


def f(name: str, type_: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **extra}


STATUS = {"type": "enum", "name": "Status", "symbols": ["OPEN", "PAID"]}
STATUS_WIDER = {"type": "enum", "name": "Status", "symbols": ["OPEN", "PAID", "DENIED"]}
STATUS_NARROW_DEFAULT = {"type": "enum", "name": "Status", "symbols": ["OPEN", "UNKNOWN"], "default": "UNKNOWN"}
ADDRESS = {"type": "record", "name": "Address", "fields": [f("zip", "string"), f("city", "string")]}
ADDRESS_V2 = {"type": "record", "name": "Address", "fields": [f("city", "string"),
                                                             f("country", "string", default="CH")]}

RULES = {
    "added_field_with_default": (_record(f("a", "int")), _record(f("a", "int"), f("b", "string", default="x")),
                                 {"a": 1}),
    "removed_field_is_skipped": (_record(f("a", "int"), f("gone", {"type": "array", "items": "string"}),
                                         f("b", "long")), _record(f("a", "int"), f("b", "long")),
                                 {"a": 1, "gone": ["x", "y"], "b": 2}),
    "reordered_fields": (_record(f("a", "int"), f("b", "string")), _record(f("b", "string"), f("a", "int")),
                         {"a": 1, "b": "x"}),
    "renamed_field_by_alias": (_record(f("old", "int")), _record(f("new", "int", aliases=["old"])), {"old": 3}),
    "int_to_long": (_record(f("a", "int")), _record(f("a", "long")), {"a": -5}),
    "int_to_double": (_record(f("a", "int")), _record(f("a", "double")), {"a": 7}),
    "long_to_float": (_record(f("a", "long")), _record(f("a", "float")), {"a": 2**40}),
    "float_to_double": (_record(f("a", "float")), _record(f("a", "double")), {"a": 0.1}),
    "string_to_bytes": (_record(f("a", "string")), _record(f("a", "bytes")), {"a": "é"}),
    "bytes_to_string": (_record(f("a", "bytes")), _record(f("a", "string")), {"a": b"abc"}),
    "enum_with_added_symbols": (_record(f("s", STATUS)), _record(f("s", STATUS_WIDER)), {"s": "PAID"}),
    "enum_unknown_symbol_uses_reader_default": (_record(f("s", STATUS)), _record(f("s", STATUS_NARROW_DEFAULT)),
                                                {"s": "PAID"}),
    "enum_unknown_symbol_without_default_fails": (_record(f("s", STATUS)),
                                                  _record(f("s", {"type": "enum", "name": "Status",
                                                                    "symbols": ["OPEN"]})),
                                                  {"s": "PAID"}),
    "union_widening": (_record(f("a", "string")), _record(f("a", ["null", "string"])), {"a": "x"}),
    "union_widening_with_promotion": (_record(f("a", "int")), _record(f("a", ["null", "string", "double"])),
                                      {"a": 4}),
    "writer_union_to_reader_union": (_record(f("a", ["null", "int"])), _record(f("a", ["null", "long", "string"])),
                                     {"a": 9}),
    "writer_union_branch_missing_in_reader": (_record(f("a", ["null", "int"])), _record(f("a", ["null", "string"])),
                                              {"a": 9}),
    "nested_record_evolution": (_record(f("home", ADDRESS)), _record(f("home", ADDRESS_V2)),
                                {"home": {"zip": "8000", "city": "Zürich"}}),
    "optional_nested_record_evolution": (_record(f("home", ["null", ADDRESS])),
                                         _record(f("home", ["null", ADDRESS_V2])),
                                         {"home": {"zip": "8000", "city": "Zürich"}}),
    "array_and_map_items_promoted": (_record(f("xs", {"type": "array", "items": "int"}),
                                             f("m", {"type": "map", "values": "float"})),
                                     _record(f("xs", {"type": "array", "items": "long"}),
                                             f("m", {"type": "map", "values": "double"})),
                                     {"xs": [1, -2], "m": {"k": 1.5}}),
    "missing_field_without_default_fails": (_record(f("a", "int")), _record(f("a", "int"), f("b", "int")),
                                            {"a": 1}),
    "default_list_is_not_shared": (_record(f("a", "int")),
                                   _record(f("a", "int"), f("xs", {"type": "array", "items": "int"}, default=[1])),
                                   {"a": 1}),
}


@pytest.mark.parametrize("writer, reader, datum", list(RULES.values()), ids=list(RULES))
def test_resolution_rules_like_fastavro(writer: Any, reader: Any, datum: Any) -> None:
    resolve_like_fastavro(writer, reader, datum)


def test_reader_defaults_are_fresh_copies() -> None:
    writer, reader, datum = RULES["default_list_is_not_shared"]
    decode = compile_decoder(writer, reader)
    body = fastavro_encode(fastavro.parse_schema(writer), datum)
    first = decode(body)
    first["xs"].append(99)
    assert decode(body)["xs"] == [1]


def test_unresolvable_enum_symbol_is_named_in_the_error() -> None:
    writer, reader, datum = RULES["enum_unknown_symbol_without_default_fails"]
    body = fastavro_encode(fastavro.parse_schema(writer), datum)
    with pytest.raises(DecodingError, match="PAID"):
        compile_decoder(writer, reader)(body)
