"""Known answers for the semantic layer: every rule, both directions, in every place a field can hide."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from mesh.compat import Level, parse_schema
from mesh.compat.semantic import SemanticKind, semantic_check, semantic_pair

K = SemanticKind
DEC = {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}
TS_MS = {"type": "long", "logicalType": "timestamp-millis"}
TS_US = {"type": "long", "logicalType": "timestamp-micros"}
TS_NS = {"type": "long", "logicalType": "timestamp-nanos"}
LTS_MS = {"type": "long", "logicalType": "local-timestamp-millis"}
LTS_US = {"type": "long", "logicalType": "local-timestamp-micros"}
DATE = {"type": "int", "logicalType": "date"}
TIME_MS = {"type": "int", "logicalType": "time-millis"}
TIME_US = {"type": "long", "logicalType": "time-micros"}
UUID = {"type": "string", "logicalType": "uuid"}


def fixed(logical: bool) -> dict[str, Any]:
    extra = {"logicalType": "decimal", "precision": 12, "scale": 2} if logical else {}
    return {"type": "fixed", "name": "Amount", "size": 8, **extra}


# (case, old type, new type, kind when the new schema reads old data, kind when old readers read new data)
LEAVES: list[tuple[str, Any, Any, K | None, K | None]] = [
    ("decimal-to-string", DEC, "string", K.DECIMAL_REPRESENTATION_CHANGED, K.DECIMAL_REPRESENTATION_CHANGED),
    ("decimal-to-bytes", DEC, "bytes", K.DECIMAL_REPRESENTATION_CHANGED, K.DECIMAL_REPRESENTATION_CHANGED),
    ("decimal-to-double", DEC, "double", K.DECIMAL_REPRESENTATION_CHANGED, K.DECIMAL_REPRESENTATION_CHANGED),
    ("fixed-decimal-to-fixed", fixed(True), fixed(False), K.DECIMAL_REPRESENTATION_CHANGED,
     K.DECIMAL_REPRESENTATION_CHANGED),
    ("timestamp-millis-to-micros", TS_MS, TS_US, K.TIME_UNIT_CHANGED, K.TIME_UNIT_CHANGED),
    ("timestamp-millis-to-nanos", TS_MS, TS_NS, K.TIME_UNIT_CHANGED, K.TIME_UNIT_CHANGED),
    ("local-timestamp-millis-to-micros", LTS_MS, LTS_US, K.TIME_UNIT_CHANGED, K.TIME_UNIT_CHANGED),
    ("time-millis-to-micros", TIME_MS, TIME_US, K.TIME_UNIT_CHANGED, K.TIME_UNIT_CHANGED),
    ("timestamp-millis-to-long", TS_MS, "long", K.LOGICAL_TYPE_DROPPED, K.LOGICAL_TYPE_ADDED),
    ("date-to-int", DATE, "int", K.LOGICAL_TYPE_DROPPED, K.LOGICAL_TYPE_ADDED),
    ("date-to-long", DATE, "long", K.LOGICAL_TYPE_DROPPED, K.LOGICAL_TYPE_ADDED),
    ("uuid-to-bytes", UUID, "bytes", K.LOGICAL_TYPE_DROPPED, K.LOGICAL_TYPE_ADDED),
    ("uuid-to-string", UUID, "string", K.LOGICAL_TYPE_DROPPED, K.LOGICAL_TYPE_ADDED),
    ("date-to-timestamp-millis", DATE, TS_MS, K.LOGICAL_TYPE_CHANGED, K.LOGICAL_TYPE_CHANGED),
    ("timestamp-to-local-timestamp", TS_MS, LTS_MS, K.LOGICAL_TYPE_CHANGED, K.LOGICAL_TYPE_CHANGED),
    ("decimal-scale-2-to-3", DEC, {**DEC, "scale": 3}, K.DECIMAL_SCALE_CHANGED, K.DECIMAL_SCALE_CHANGED),
    ("decimal-precision-12-to-10", DEC, {**DEC, "precision": 10}, K.DECIMAL_PRECISION_LOWERED, None),
    ("decimal-precision-12-to-14", DEC, {**DEC, "precision": 14}, None, K.DECIMAL_PRECISION_LOWERED),
    ("same-decimal", DEC, dict(DEC), None, None),
    ("same-timestamp", TS_MS, dict(TS_MS), None, None),
    ("plain-int-to-long", "int", "long", None, None),
    ("plain-string-to-bytes", "string", "bytes", None, None),
    ("unknown-logical-type-is-ignored", "long", {"type": "long", "logicalType": "epoch-weeks"}, None, None),
]

Place = Callable[[Any, bool], tuple[dict[str, Any], str, str]]
"""(leaf type, is the new schema) -> (record schema, expected field path, expected pointer in it)."""


def record(name: str, *fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "t", "fields": [{"name": "id", "type": "string"}, *fields]}


PLACES: dict[str, Place] = {
    "top-level-field": lambda t, new: (record("R", {"name": "x", "type": t}), "x", "/fields/1/type"),
    "renamed-through-alias": lambda t, new: (
        record("R", {"name": "y", "aliases": ["x"], "type": t} if new else {"name": "x", "type": t}),
        "y" if new else "x", "/fields/1/type"),
    "nested-record": lambda t, new: (
        record("R", {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [
            {"name": "amount", "type": t}]}}), "inner.amount", "/fields/1/type/fields/0/type"),
    "array-items": lambda t, new: (
        record("R", {"name": "x", "type": {"type": "array", "items": t}}), "x[]", "/fields/1/type/items"),
    "map-values": lambda t, new: (
        record("R", {"name": "x", "type": {"type": "map", "values": t}}), "x{}", "/fields/1/type/values"),
    "union-branch": lambda t, new: (
        record("R", {"name": "x", "type": ["null", t], "default": None}), "x", "/fields/1/type/1"),
    "array-of-records-with-union": lambda t, new: (
        record("R", {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
            {"name": "amount", "type": ["null", t], "default": None}]}}}),
        "lines[].amount", "/fields/1/type/items/fields/0/type/1"),
}


def found(reader: dict[str, Any], writer: dict[str, Any]) -> list[tuple[K, str, str]]:
    return [(f.kind, f.field, f.path) for f in semantic_pair(parse_schema(reader), parse_schema(writer))]


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize(("old", "new", "forward", "backward"), [case[1:] for case in LEAVES],
                         ids=[case[0] for case in LEAVES])
def test_each_rule_in_both_directions_and_every_place(
    place: str, old: Any, new: Any, forward: K | None, backward: K | None
) -> None:
    old_schema, old_field, old_pointer = PLACES[place](copy.deepcopy(old), False)
    new_schema, new_field, new_pointer = PLACES[place](copy.deepcopy(new), True)
    # The new schema reads old data (BACKWARD): paths in the new schema.
    assert found(new_schema, old_schema) == ([(forward, new_field, new_pointer)] if forward else [])
    # Old readers read new data (FORWARD): semantic_pair paths are in the reader, the old schema. An
    # old reader does not know the new name's alias: it never gets that field's data (Avro's business).
    expected = [(backward, old_field, old_pointer)] if backward and place != "renamed-through-alias" else []
    assert found(old_schema, new_schema) == expected


ENUM_OLD = {"type": "enum", "name": "Status", "symbols": ["OPEN", "PAID", "DENIED"], "default": "OPEN"}
ENUM_NEW = {"type": "enum", "name": "Status", "symbols": ["OPEN", "PAID"], "default": "OPEN"}


@pytest.mark.parametrize("place", sorted(PLACES))
def test_enum_symbol_removed_behind_a_default_is_a_warning_one_way(place: str) -> None:
    old_schema, _, _ = PLACES[place](copy.deepcopy(ENUM_OLD), False)
    new_schema, field, pointer = PLACES[place](copy.deepcopy(ENUM_NEW), True)
    assert found(new_schema, old_schema) == [(K.ENUM_SYMBOL_READ_AS_DEFAULT, field, pointer + "/symbols")]
    assert found(old_schema, new_schema) == []  # every new symbol is known to old readers


def test_enum_symbol_removed_without_default_is_left_to_avro() -> None:
    # Resolution itself fails there (MISSING_ENUM_SYMBOLS, GOV002): no second finding.
    old = record("R", {"name": "s", "type": {k: v for k, v in ENUM_OLD.items() if k != "default"}})
    new = record("R", {"name": "s", "type": {k: v for k, v in ENUM_NEW.items() if k != "default"}})
    assert found(new, old) == []


# (case, old type, new type, what a reader of the new schema sees)
EXAMPLES = [
    ("decimal-to-string", DEC, "string", "reads 123.45 (written as b'\\x30\\x39') as the bare string '09' (its meaning is lost)"),
    ("millis-to-micros", TS_MS, TS_US,
     "reads 2024-01-01T09:30:00.000000Z (written as 1704101400000) as 1970-01-20T17:21:41.400000Z"),
    ("scale-2-to-3", DEC, {**DEC, "scale": 3}, "reads 123.45 (written as b'\\x30\\x39') as 12.345"),
    ("date-to-int", DATE, "int", "reads 2024-01-01 (written as 19723) as the bare int 19723 (its meaning is lost)"),
    ("long-to-timestamp", "long", TS_MS, "reads 1704101400 as 1970-01-20T17:21:41.400000Z"),
    ("uuid-to-bytes", UUID, "bytes", "reads 0f8fad5b-d9cb-469f-a165-70867728950e (written as "
     "'0f8fad5b-d9cb-469f-a165-70867728950e') as the bare bytes b'" + "".join(
         f"\\x{b:02x}" for b in b"0f8fad5b-d9cb-469f-a165-70867728950e") + "' (its meaning is lost)"),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in EXAMPLES], ids=[c[0] for c in EXAMPLES])
def test_examples_show_the_value_both_ways(old: Any, new: Any, expected: str) -> None:
    (item,) = semantic_pair(parse_schema(record("R", {"name": "x", "type": new})),
                            parse_schema(record("R", {"name": "x", "type": old})))
    assert item.example == expected


def test_decimal_to_double_explains_the_lost_exactness() -> None:
    (item,) = semantic_pair(parse_schema(record("R", {"name": "x", "type": "double"})),
                            parse_schema(record("R", {"name": "x", "type": DEC})))
    assert "no bytes -> double rule" in item.example
    assert "123.4500000000000028421709430404007434844970703125" in item.example


def test_check_reports_the_directions_of_the_level_with_versions_and_fix() -> None:
    v1 = parse_schema(record("R", {"name": "x", "type": DEC}))
    v2 = parse_schema(record("R", {"name": "x", "type": {**DEC, "precision": 14}}))
    new = parse_schema(record("R", {"name": "x", "type": {**DEC, "precision": 13}}))
    history = [(1, v1), (2, v2)]
    assert semantic_check(new, history, Level.FORWARD) == ()  # version 2 (14 digits) reads 13 digits
    (backward,) = semantic_check(new, history, Level.BACKWARD)  # the latest version only
    assert (backward.kind, backward.version, backward.old_type, backward.new_type) == (
        K.DECIMAL_PRECISION_LOWERED, 2, "bytes (decimal(14, 2))", "bytes (decimal(13, 2))")
    assert backward.is_warning
    transitive = semantic_check(new, history, Level.FULL_TRANSITIVE)
    assert sorted((f.kind, f.version) for f in transitive) == [
        (K.DECIMAL_PRECISION_LOWERED, 1), (K.DECIMAL_PRECISION_LOWERED, 2)]
    assert semantic_check(new, history, Level.NONE) == ()


def test_full_reports_a_two_way_break_once_with_a_fix() -> None:
    old = parse_schema(record("R", {"name": "billed_amount", "type": DEC}))
    new = parse_schema(record("R", {"name": "billed_amount", "type": "string"}))
    (item,) = semantic_check(new, [(1, old)], Level.FULL)
    assert (item.kind, item.field, item.old_type, item.new_type) == (
        K.DECIMAL_REPRESENTATION_CHANGED, "billed_amount", "bytes (decimal(12, 2))", "string")
    assert "add a new field (e.g. 'billed_amount_v2')" in item.hint
    assert "new major version" in item.hint
    assert item.line().startswith("DECIMAL_REPRESENTATION_CHANGED at field billed_amount (/fields/1/type)")


def test_recursive_records_terminate() -> None:
    def tree(leaf: Any) -> dict[str, Any]:
        return {"type": "record", "name": "Node", "fields": [
            {"name": "at", "type": leaf}, {"name": "children", "type": {"type": "array", "items": "Node"}}]}
    assert [(f.kind, f.field) for f in semantic_pair(parse_schema(tree(TS_US)), parse_schema(tree(TS_MS)))] == [
        (K.TIME_UNIT_CHANGED, "at")]


ALL_LEAVES: list[Any] = [
    "null", "boolean", "int", "long", "float", "double", "bytes", "string", DEC, {**DEC, "scale": 0},
    {**DEC, "precision": 1, "scale": 1}, TS_MS, TS_US, TS_NS, LTS_MS, LTS_US, DATE, TIME_MS, TIME_US, UUID,
    {"type": "long", "logicalType": "local-timestamp-nanos"}, fixed(True), fixed(False),
    {"type": "fixed", "name": "Amount", "size": 16, "logicalType": "uuid"},
    {"type": "fixed", "name": "Amount", "size": 12, "logicalType": "duration"},
]


@pytest.mark.parametrize("old", ALL_LEAVES, ids=[str(leaf) for leaf in ALL_LEAVES])
def test_every_pair_of_leaves_gets_an_answer_and_a_readable_example(old: Any) -> None:
    for new in ALL_LEAVES:
        for reader, writer in ((new, old), (old, new)):
            items = semantic_pair(parse_schema(record("R", {"name": "x", "type": copy.deepcopy(reader)})),
                                  parse_schema(record("R", {"name": "x", "type": copy.deepcopy(writer)})))
            assert len(items) <= 1
            for item in items:
                assert item.example.startswith(("reads ", "fails on ", "cannot decode ")), item.example
                assert item.old_type != item.new_type or item.kind is K.LOGICAL_TYPE_CHANGED
