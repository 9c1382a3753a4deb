"""Known answers for the Avro schema-resolution rules, one table per rule (check_pair: reader vs writer)."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from mesh.compat import Kind, check_pair, parse_schema

PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
# The spec's promotions, written out from the Avro 1.12 text: writer type -> reader types.
SPEC_PROMOTIONS = {
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "string": {"bytes"},
    "bytes": {"string"},
}

Finding = tuple[str, str]


def findings(reader: Any, writer: Any) -> list[Finding]:
    """(kind, path in the reader) for every incompatibility, sorted."""
    result = check_pair(parse_schema(reader), parse_schema(writer))
    return sorted((item.kind, item.path) for item in result)


def record(name: str, *fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def field(name: str, type_: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **extra}


def enum(name: str, *symbols: str, **extra: Any) -> dict[str, Any]:
    return {"type": "enum", "name": name, "symbols": list(symbols), **extra}


def fixed(name: str, size: int, **extra: Any) -> dict[str, Any]:
    return {"type": "fixed", "name": name, "size": size, **extra}


def decimal(precision: int, scale: int) -> dict[str, Any]:
    return {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}


@pytest.mark.parametrize(("writer", "reader"), list(product(PRIMITIVES, PRIMITIVES)))
def test_primitive_promotions(writer: str, reader: str) -> None:
    allowed = writer == reader or reader in SPEC_PROMOTIONS.get(writer, set())
    expected = [] if allowed else [(Kind.TYPE_MISMATCH.value, "/")]
    assert findings(reader, writer) == expected


RECORD_RULES: list[tuple[str, Any, Any, list[Finding]]] = [
    ("same_record", record("R", field("a", "int")), record("R", field("a", "int")), []),
    ("reader_adds_field_with_default",
     record("R", field("a", "int"), field("b", "string", default="x")), record("R", field("a", "int")), []),
    ("reader_adds_field_without_default",
     record("R", field("a", "int"), field("b", "string")), record("R", field("a", "int")),
     [(Kind.READER_FIELD_MISSING_DEFAULT_VALUE, "/fields/1")]),
    ("reader_adds_nullable_field_with_null_default",
     record("R", field("a", "int"), field("b", ["null", "string"], default=None)), record("R", field("a", "int")), []),
    ("writer_field_missing_in_reader_is_skipped",
     record("R", field("a", "int")), record("R", field("a", "int"), field("b", "string")), []),
    ("fields_matched_by_name_not_position",
     record("R", field("b", "string"), field("a", "int")), record("R", field("a", "int"), field("b", "string")), []),
    ("field_renamed_with_reader_alias",
     record("R", field("amount", "int", aliases=["amt"])), record("R", field("amt", "int")), []),
    ("field_renamed_without_alias",
     record("R", field("amount", "int")), record("R", field("amt", "int")),
     [(Kind.READER_FIELD_MISSING_DEFAULT_VALUE, "/fields/0")]),
    ("field_type_promoted", record("R", field("a", "long")), record("R", field("a", "int")), []),
    ("field_type_narrowed", record("R", field("a", "int")), record("R", field("a", "long")),
     [(Kind.TYPE_MISMATCH, "/fields/0/type")]),
    ("nested_record_field_narrowed",
     record("R", field("n", record("N", field("x", "int")))), record("R", field("n", record("N", field("x", "double")))),
     [(Kind.TYPE_MISMATCH, "/fields/0/type/fields/0/type")]),
    ("every_problem_is_listed",
     record("R", field("a", "int"), field("b", "string"), field("c", "boolean")),
     record("R", field("a", "long"), field("c", "string")),
     [(Kind.READER_FIELD_MISSING_DEFAULT_VALUE, "/fields/1"), (Kind.TYPE_MISMATCH, "/fields/0/type"),
      (Kind.TYPE_MISMATCH, "/fields/2/type")]),
    ("record_vs_primitive", record("R", field("a", "int")), "int", [(Kind.TYPE_MISMATCH, "/")]),
]

LINKED = record("Node", field("value", "long"), field("next", ["null", "Node"], default=None))
LINKED_INT = record("Node", field("value", "int"), field("next", ["null", "Node"], default=None))
LINKED_EXTRA = record("Node", field("value", "long"), field("next", ["null", "Node"], default=None), field("tag", "string"))
ADDRESS_V1 = record("Address", field("city", "string"))
ADDRESS_V2 = record("Address", field("city", "string"), field("zip", "string"))

RECURSION_RULES: list[tuple[str, Any, Any, list[Finding]]] = [
    ("recursive_record_identical", LINKED, LINKED, []),
    ("recursive_record_promoted", LINKED, LINKED_INT, []),
    ("recursive_record_narrowed", LINKED_INT, LINKED, [(Kind.TYPE_MISMATCH, "/fields/0/type")]),
    ("recursive_record_new_field_without_default_reported_once", LINKED_EXTRA, LINKED,
     [(Kind.READER_FIELD_MISSING_DEFAULT_VALUE, "/fields/2")]),
    ("named_type_reused_reports_every_location",
     record("P", field("home", ADDRESS_V2), field("work", "Address")),
     record("P", field("home", ADDRESS_V1), field("work", "Address")),
     [(Kind.READER_FIELD_MISSING_DEFAULT_VALUE, "/fields/0/type/fields/1"),
      (Kind.READER_FIELD_MISSING_DEFAULT_VALUE, "/fields/1/type/fields/1")]),
]

ENUM_RULES: list[tuple[str, Any, Any, list[Finding]]] = [
    ("enum_same", enum("E", "A", "B"), enum("E", "A", "B"), []),
    ("enum_reader_adds_symbol", enum("E", "A", "B", "C"), enum("E", "A", "B"), []),
    ("enum_symbol_order_irrelevant", enum("E", "B", "A"), enum("E", "A", "B"), []),
    ("enum_writer_symbol_missing", enum("E", "A"), enum("E", "A", "B"), [(Kind.MISSING_ENUM_SYMBOLS, "/symbols")]),
    ("enum_writer_symbol_missing_reader_default", enum("E", "A", "UNKNOWN", default="UNKNOWN"),
     enum("E", "A", "B"), []),
    ("enum_renamed", enum("F", "A"), enum("E", "A"), [(Kind.NAME_MISMATCH, "/name")]),
    ("enum_renamed_with_alias", enum("F", "A", aliases=["E"]), enum("E", "A"), []),
    ("enum_vs_string", "string", enum("E", "A"), [(Kind.TYPE_MISMATCH, "/")]),
]

UNION_RULES: list[tuple[str, Any, Any, list[Finding]]] = [
    ("reader_union_contains_writer", ["null", "int"], "int", []),
    ("reader_union_promotes_writer", ["null", "long"], "int", []),
    ("reader_union_lacks_writer", ["null", "int"], "string", [(Kind.MISSING_UNION_BRANCH, "/")]),
    ("writer_union_reader_plain_every_branch_readable", "long", ["int", "long"], []),
    ("writer_union_reader_plain_branch_unreadable", "string", ["null", "string"], [(Kind.TYPE_MISMATCH, "/")]),
    ("union_to_union_superset", ["null", "int", "string"], ["null", "int"], []),
    ("union_to_union_missing_branch", ["null", "int"], ["null", "int", "string"], [(Kind.MISSING_UNION_BRANCH, "/")]),
    ("union_branch_order_irrelevant", ["string", "null"], ["null", "string"], []),
    ("union_branch_resolved_recursively",
     ["null", record("R", field("a", "int"), field("b", "int"))], ["null", record("R", field("a", "int"))],
     [(Kind.READER_FIELD_MISSING_DEFAULT_VALUE, "/1/fields/1")]),
    ("union_of_named_types_matched_by_name",
     [enum("E", "A"), record("R", field("a", "int"))], [record("R", field("a", "int")), enum("E", "A")], []),
]

COLLECTION_RULES: list[tuple[str, Any, Any, list[Finding]]] = [
    ("array_items_promoted", {"type": "array", "items": "long"}, {"type": "array", "items": "int"}, []),
    ("array_items_narrowed", {"type": "array", "items": "int"}, {"type": "array", "items": "long"},
     [(Kind.TYPE_MISMATCH, "/items")]),
    ("map_values_promoted", {"type": "map", "values": "double"}, {"type": "map", "values": "float"}, []),
    ("map_values_mismatch", {"type": "map", "values": "int"}, {"type": "map", "values": "string"},
     [(Kind.TYPE_MISMATCH, "/values")]),
    ("array_vs_map", {"type": "array", "items": "int"}, {"type": "map", "values": "int"}, [(Kind.TYPE_MISMATCH, "/")]),
    ("nested_array_of_records",
     {"type": "array", "items": record("L", field("x", "int"), field("y", "int"))},
     {"type": "array", "items": record("L", field("x", "int"))},
     [(Kind.READER_FIELD_MISSING_DEFAULT_VALUE, "/items/fields/1")]),
]

FIXED_RULES: list[tuple[str, Any, Any, list[Finding]]] = [
    ("fixed_same", fixed("F", 4), fixed("F", 4), []),
    ("fixed_size_mismatch", fixed("F", 8), fixed("F", 4), [(Kind.FIXED_SIZE_MISMATCH, "/size")]),
    ("fixed_name_mismatch", fixed("G", 4), fixed("F", 4), [(Kind.NAME_MISMATCH, "/name")]),
    ("fixed_name_and_size_mismatch", fixed("G", 8), fixed("F", 4),
     [(Kind.FIXED_SIZE_MISMATCH, "/size"), (Kind.NAME_MISMATCH, "/name")]),
    ("fixed_vs_bytes", "bytes", fixed("F", 4), [(Kind.TYPE_MISMATCH, "/")]),
]

NAME_RULES: list[tuple[str, Any, Any, list[Finding]]] = [
    ("record_renamed", record("S", field("a", "int")), record("R", field("a", "int")), [(Kind.NAME_MISMATCH, "/name")]),
    ("record_renamed_with_alias", record("S", field("a", "int"), aliases=["R"]), record("R", field("a", "int")), []),
    ("namespace_change_keeps_unqualified_name", record("R", field("a", "int"), namespace="new.ns"),
     record("R", field("a", "int"), namespace="old.ns"), []),
    ("unqualified_alias_is_in_reader_namespace", record("S", field("a", "int"), namespace="ns", aliases=["R"]),
     record("R", field("a", "int"), namespace="ns"), []),
    ("unqualified_alias_does_not_match_other_namespace", record("S", field("a", "int"), namespace="ns", aliases=["R"]),
     record("R", field("a", "int"), namespace="other"), [(Kind.NAME_MISMATCH, "/name")]),
    ("qualified_alias_matches_writer_fullname", record("S", field("a", "int"), namespace="ns", aliases=["other.R"]),
     record("R", field("a", "int"), namespace="other"), []),
    ("writer_refers_by_name_reader_inline",
     record("P", field("a", fixed("F", 2)), field("b", fixed("G", 2))),
     record("P", field("a", fixed("F", 2)), field("b", "F")), [(Kind.NAME_MISMATCH, "/fields/1/type/name")]),
]

LOGICAL_RULES: list[tuple[str, Any, Any, list[Finding]]] = [
    ("decimal_same", decimal(10, 2), decimal(10, 2), []),
    ("decimal_precision_differs", decimal(12, 2), decimal(10, 2), [(Kind.DECIMAL_MISMATCH, "/")]),
    ("decimal_scale_differs", decimal(10, 3), decimal(10, 2), [(Kind.DECIMAL_MISMATCH, "/")]),
    ("decimal_reader_plain_bytes", "bytes", decimal(10, 2), []),
    ("decimal_fixed_precision_differs", fixed("D", 8, logicalType="decimal", precision=10, scale=2),
     fixed("D", 8, logicalType="decimal", precision=12, scale=2), [(Kind.DECIMAL_MISMATCH, "/")]),
    ("timestamp_resolves_as_long", {"type": "long", "logicalType": "timestamp-millis"}, "long", []),
    ("timestamp_reader_promotes_int", {"type": "long", "logicalType": "timestamp-millis"},
     {"type": "int", "logicalType": "date"}, []),
    ("date_reader_long_writer", {"type": "int", "logicalType": "date"}, "long", [(Kind.TYPE_MISMATCH, "/")]),
    ("uuid_resolves_as_string", {"type": "string", "logicalType": "uuid"}, "string", []),
]

ALL_RULES = RECORD_RULES + RECURSION_RULES + ENUM_RULES + UNION_RULES + COLLECTION_RULES + FIXED_RULES + NAME_RULES \
    + LOGICAL_RULES


@pytest.mark.parametrize(("reader", "writer", "expected"), [case[1:] for case in ALL_RULES],
                         ids=[case[0] for case in ALL_RULES])
def test_resolution_rule(reader: Any, writer: Any, expected: list[Finding]) -> None:
    assert findings(reader, writer) == sorted((str(kind), path) for kind, path in expected)


def test_incompatibility_carries_message_and_actionable_hint() -> None:
    reader = record("Claim", field("id", "string"), field("currency", "string"), namespace="mesh.claims")
    writer = record("Claim", field("id", "string"), namespace="mesh.claims")
    (item,) = check_pair(parse_schema(reader), parse_schema(writer))
    assert "currency" in item.message and "mesh.claims.Claim" in item.message
    assert '"default": ""' in item.hint and "currency" in item.hint
    assert item.version is None


def test_named_types_from_references_are_resolved() -> None:
    address_v1 = parse_schema(record("Address", field("city", "string"), namespace="mesh.common"))
    address_v2 = parse_schema(record("Address", field("city", "string"), field("zip", "string"), namespace="mesh.common"))
    member = record("Member", field("home", "mesh.common.Address"), namespace="mesh.members")
    reader = parse_schema(member, references=[address_v2])
    writer = parse_schema(member, references=[address_v1])
    assert [(item.kind, item.path) for item in check_pair(reader, writer)] == [
        (Kind.READER_FIELD_MISSING_DEFAULT_VALUE, "/fields/0/type/fields/1")]
    assert check_pair(writer, reader) == ()


def test_mutually_recursive_records_terminate() -> None:
    tree = record("Tree", field("label", "int"), field("forest", {"type": "array", "items": record(
        "Forest", field("trees", {"type": "array", "items": "Tree"}), field("size", "int"))}))
    wider = record("Tree", field("label", "long"), field("forest", {"type": "array", "items": record(
        "Forest", field("trees", {"type": "array", "items": "Tree"}), field("size", "long"))}))
    assert findings(wider, tree) == []
    assert findings(tree, wider) == sorted([(Kind.TYPE_MISMATCH.value, "/fields/0/type"),
                                            (Kind.TYPE_MISMATCH.value, "/fields/1/type/items/fields/1/type")])
