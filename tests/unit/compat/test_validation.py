"""Strict validation of new schemas: each invalid schema fails with the exact path of the problem."""

from __future__ import annotations

import io
import json
from typing import Any

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesh.compat import parse_schema
from mesh.core.errors import SchemaParseError


def rec(*fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": "R", "fields": list(fields), **extra}


INVALID: list[tuple[str, Any, str, str]] = [
    ("not_json", "{bad", "", "not valid JSON"),
    ("json_literal", "42", "/", "must be a type name"),
    ("unknown_type", rec({"name": "a", "type": "Nope"}), "/fields/0/type", "unknown type 'Nope'"),
    ("type_used_before_definition",
     rec({"name": "a", "type": "E"}, {"name": "b", "type": {"type": "enum", "name": "E", "symbols": ["X"]}}),
     "/fields/0/type", "unknown type 'E'"),
    ("unqualified_name_from_other_namespace",
     rec({"name": "a", "type": {"type": "enum", "name": "E", "namespace": "x", "symbols": ["X"]}},
         {"name": "b", "type": "E"}, namespace="y"), "/fields/1/type", "unknown type 'E'"),
    ("missing_type", {"name": "R"}, "/", 'missing "type"'),
    ("record_without_fields", {"type": "record", "name": "R"}, "/fields", "without a \"fields\" list"),
    ("invalid_record_name", {"type": "record", "name": "1R", "fields": []}, "/name", "invalid name '1R'"),
    ("invalid_namespace", rec(namespace="a..b"), "/namespace", "invalid namespace"),
    ("primitive_as_type_name", {"type": "fixed", "name": "int", "size": 1}, "/name", "may not be called"),
    ("named_type_defined_twice",
     rec({"name": "a", "type": {"type": "fixed", "name": "F", "size": 1}},
         {"name": "b", "type": {"type": "fixed", "name": "F", "size": 2}}), "/fields/1/type/name", "defined twice"),
    ("invalid_field_name", rec({"name": "a-b", "type": "int"}), "/fields/0/name", "invalid field name"),
    ("duplicate_field_name", rec({"name": "a", "type": "int"}, {"name": "a", "type": "long"}),
     "/fields/1/name", "duplicate field name 'a'"),
    ("field_without_type", rec({"name": "a"}), "/fields/0", "has no type"),
    ("field_not_object", rec("a"), "/fields/0", "must be an object"),
    ("invalid_order", rec({"name": "a", "type": "int", "order": "up"}), "/fields/0/order", "invalid order"),
    ("duplicate_enum_symbol", {"type": "enum", "name": "E", "symbols": ["A", "B", "A"]}, "/symbols/2",
     "duplicate enum symbol 'A'"),
    ("invalid_enum_symbol", {"type": "enum", "name": "E", "symbols": ["A", "b-c"]}, "/symbols/1", "invalid enum symbol"),
    ("enum_default_not_a_symbol", {"type": "enum", "name": "E", "symbols": ["A"], "default": "Z"}, "/default",
     "not one of its symbols"),
    ("negative_fixed_size", {"type": "fixed", "name": "F", "size": -1}, "/size", "fixed size"),
    ("array_without_items", {"type": "array"}, "/", 'without "items"'),
    ("map_without_values", {"type": "map"}, "/", 'without "values"'),
    ("duplicate_union_branch", ["null", "string", "null"], "/2", "duplicate union branch 'null'"),
    ("duplicate_named_union_branch",
     [{"type": "fixed", "name": "F", "size": 1}, "F"], "/1", "duplicate union branch 'F'"),
    ("nested_union", ["null", ["int"]], "/1", "may not directly contain another union"),
    ("field_alias_not_a_string", rec({"name": "a", "type": "int", "aliases": [1]}), "/fields/0/aliases",
     "invalid aliases"),
    ("order_not_a_string", rec({"name": "a", "type": "int", "order": 1}), "/fields/0/order", "invalid order"),
    ("fixed_too_big_for_java", {"type": "fixed", "name": "F", "size": 2**31 - 1}, "/size", "fixed size"),
    ("namespace_with_empty_part", {**rec({"name": "a", "type": "int"}), "namespace": "a..b"}, "/namespace",
     "invalid namespace"),
    ("name_with_empty_last_part", {"type": "fixed", "name": "a.", "size": 1}, "/name", "empty name"),
    ("non_ascii_enum_symbol", {"type": "enum", "name": "E", "symbols": ["\u00e9"]}, "/symbols/0", "not ASCII"),
    ("float_default_not_a_number", rec({"name": "a", "type": "float", "default": "x"}), "/fields/0/default",
     "not a valid float"),
]

# Legal for Avro Java 1.12 (Confluent's parser), so legal here (issue 12 bug 6)
ACCEPTED_LIKE_AVRO_JAVA: list[tuple[str, Any]] = [
    ("empty_union", rec({"name": "a", "type": []})),
    ("empty_enum", {"type": "enum", "name": "E", "symbols": []}),
    ("record_without_fields", rec()),
    ("unicode_names", {"type": "record", "name": "caf\u00e9", "namespace": "\u540d\u524d",
                       "fields": [{"name": "x\u0661", "type": "int"}]}),
    ("leading_dot_is_the_null_namespace", {"type": "fixed", "name": ".F", "size": 1}),
    ("primitive_name_in_a_namespace", {"type": "fixed", "name": "int", "namespace": "x", "size": 1}),
    ("field_alias_any_string", rec({"name": "a", "type": "int", "aliases": ["b c"]})),
    ("order_any_case", rec({"name": "a", "type": "int", "order": "DESCENDING"})),
    ("invalid_decimal_is_plain_bytes", {"type": "bytes", "logicalType": "decimal", "precision": 2, "scale": 3}),
    ("decimal_too_big_for_fixed_is_plain_fixed",
     {"type": "fixed", "name": "D", "size": 2, "logicalType": "decimal", "precision": 9}),
    ("enum_default_not_a_string_is_ignored", {"type": "enum", "name": "E", "symbols": ["A"], "default": 1}),
    ("namespace_not_a_string_is_ignored", {**rec({"name": "a", "type": "int"}), "namespace": 5}),
]

BAD_DEFAULTS: list[tuple[str, Any, Any]] = [
    ("int_default_string", "int", "0"),
    ("int_default_out_of_range", "int", 2**31),
    ("int_default_bool", "int", True),
    ("long_default_float", "long", 1.5),
    ("boolean_default_int", "boolean", 1),
    ("null_default_string", "null", "null"),
    ("string_default_null", "string", None),
    ("array_default_wrong_item", {"type": "array", "items": "int"}, [1, "2"]),
    ("map_default_not_object", {"type": "map", "values": "int"}, []),
    ("union_default_matches_no_branch", ["null", "int"], "x"),
    ("record_default_missing_field", {"type": "record", "name": "N", "fields": [{"name": "x", "type": "int"}]}, {}),
]

GOOD_DEFAULTS: list[tuple[str, Any, Any]] = [
    ("null_first_union_default_null", ["null", "string"], None),
    ("union_default_matches_later_branch_avro_1_12", ["null", "string"], "x"),
    ("double_default_int", "double", 1),
    ("bytes_default_latin1", "bytes", "\u00ff\u0000"),
    ("fixed_default_right_length", {"type": "fixed", "name": "F", "size": 2}, "ab"),
    ("record_default_uses_nested_defaults",
     {"type": "record", "name": "N", "fields": [{"name": "x", "type": "int", "default": 1}]}, {}),
    ("array_default", {"type": "array", "items": "long"}, [1, 2]),
    ("map_default", {"type": "map", "values": "string"}, {"a": "b"}),
    # Avro Java checks only that these are strings
    ("bytes_default_beyond_latin1", "bytes", "\u0100"),
    ("fixed_default_wrong_length", {"type": "fixed", "name": "F", "size": 2}, "a"),
    ("enum_default_not_symbol", {"type": "enum", "name": "E", "symbols": ["A"]}, "B"),
    ("float_default_nan_text", "float", "NaN"),
    ("double_default_number_text", "double", "1.5e3"),
]


@pytest.mark.parametrize(("schema", "path", "fragment"), [case[1:] for case in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_schema_reports_path(schema: Any, path: str, fragment: str) -> None:
    with pytest.raises(SchemaParseError) as caught:
        parse_schema(schema, source="claims.avsc")
    assert caught.value.path == path
    assert fragment in caught.value.message
    assert caught.value.hint
    assert caught.value.source == "claims.avsc"


@pytest.mark.parametrize("schema", [case[1] for case in ACCEPTED_LIKE_AVRO_JAVA],
                         ids=[c[0] for c in ACCEPTED_LIKE_AVRO_JAVA])
def test_what_avro_java_accepts_is_accepted(schema: Any) -> None:
    parsed = parse_schema(schema)
    assert parsed.raw == schema  # stored as given


def test_an_invalid_decimal_is_read_as_plain_bytes() -> None:
    parsed = parse_schema({"type": "bytes", "logicalType": "decimal", "precision": 2, "scale": 3})
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, parsed.parsed, b"\x01\x02")
    assert buffer.getvalue() == b"\x04\x01\x02"


@pytest.mark.parametrize(("type_", "default"), [case[1:] for case in BAD_DEFAULTS], ids=[c[0] for c in BAD_DEFAULTS])
def test_default_must_match_type(type_: Any, default: Any) -> None:
    with pytest.raises(SchemaParseError) as caught:
        parse_schema(rec({"name": "a", "type": type_, "default": default}))
    assert caught.value.path == "/fields/0/default"
    assert "invalid default for field 'a'" in caught.value.message


@pytest.mark.parametrize(("type_", "default"), [case[1:] for case in GOOD_DEFAULTS], ids=[c[0] for c in GOOD_DEFAULTS])
def test_valid_default_is_accepted(type_: Any, default: Any) -> None:
    parsed = parse_schema(rec({"name": "a", "type": type_, "default": default}))
    assert parsed.raw["fields"][0]["default"] == default


def test_text_and_dict_give_the_same_schema() -> None:
    text = '{"fields": [{"type": "int", "name": "a"}],\n "name": "R", "type": "record"}'
    as_dict = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}
    assert parse_schema(text).canonical == parse_schema(as_dict).canonical


@pytest.mark.parametrize("difference", [{"doc": "x"}, {"aliases": ["Q"]}, {"x-owner": "claims"}])
def test_canonical_keeps_docs_aliases_and_properties(difference: dict[str, Any]) -> None:
    base = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}
    assert parse_schema(base).canonical != parse_schema({**base, **difference}).canonical


@pytest.mark.parametrize("text", ["int", '"int"', "null", "mesh.x.Y"])
def test_bare_and_quoted_names(text: str) -> None:
    if text == "mesh.x.Y":
        with pytest.raises(SchemaParseError, match="unknown type"):
            parse_schema(text)
    else:
        assert parse_schema(text).raw == text.strip('"')


def test_references_provide_named_types() -> None:
    address = parse_schema({"type": "record", "name": "Address", "namespace": "mesh.common",
                            "fields": [{"name": "city", "type": "string"}]})
    member = parse_schema({"type": "record", "name": "Member", "namespace": "mesh.members",
                           "fields": [{"name": "home", "type": "mesh.common.Address"}]}, references=[address])
    assert set(member.named_types) == {"mesh.members.Member"}
    assert set(address.named_types) == {"mesh.common.Address"}
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, member.parsed, {"home": {"city": "Oslo"}})
    buffer.seek(0)
    assert fastavro.schemaless_reader(buffer, member.parsed) == {"home": {"city": "Oslo"}}


def test_reference_type_cannot_be_redefined() -> None:
    address = parse_schema({"type": "fixed", "name": "Id", "size": 4})
    with pytest.raises(SchemaParseError, match="defined twice"):
        parse_schema({"type": "fixed", "name": "Id", "size": 8}, references=[address])


def test_parsed_schemas_are_hashable_by_identity_text() -> None:
    first = parse_schema('{"type": "enum", "name": "E", "symbols": ["A"]}')
    second = parse_schema({"symbols": ["A"], "name": "E", "type": "enum"})
    assert first == second and len({first, second}) == 1


def test_non_json_input_is_a_parse_error() -> None:
    with pytest.raises(SchemaParseError, match="not JSON data"):
        parse_schema({"type": "record", "name": "R", "fields": [{"name": "a", "type": object()}]})


_KEYS = ["type", "name", "namespace", "fields", "symbols", "items", "values", "size", "default", "aliases",
         "logicalType", "precision", "scale", "order"]
_WORDS = ["record", "enum", "fixed", "array", "map", "int", "long", "string", "null", "bytes", "decimal", "A", "R",
          "a.b", "", "1x"]
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 40), st.floats(allow_nan=False), st.sampled_from(_WORDS)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=6)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(schema=_JSON)
def test_any_json_is_parsed_or_rejected_with_a_parse_error(schema: Any) -> None:
    """A registry must answer 422 to any bad schema, never crash: only SchemaParseError may escape."""
    try:
        parsed = parse_schema(json.dumps(schema))
    except SchemaParseError as exc:
        assert exc.message
    else:
        assert parsed.canonical == json.dumps(parsed.raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
