"""Our generated codecs against fastavro: identical bytes when encoding, identical values when decoding."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from pathlib import Path
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesh.sdk.codec import compile_decoder, compile_encoder
from mesh.sdk.codec.decoder_gen import generate_decoder
from mesh.sdk.codec.decoding import fastavro_decode
from mesh.sdk.codec.encoder_gen import generate_encoder
from mesh.sdk.codec.encoding import fastavro_encode
from mesh.sdk.codec.native import native_encoder
from mesh.sdk.codec.schema import named_types
from tests.unit.sdk.codec.avro_strategies import canonical, schemas, values
from tests.unit.sdk.codec.native_helpers import native_decode

REPO = Path(__file__).resolve().parents[4]
UTC = datetime.UTC


def assert_same_as_fastavro(schema: Any, datum: Any, *, generated_only: bool = False) -> None:
    parsed = fastavro.parse_schema(schema)
    expected = fastavro_encode(parsed, datum)
    assert compile_encoder(schema)(datum) == expected
    assert compile_encoder(schema, native=False)(datum) == expected
    assert canonical(compile_decoder(schema)(expected)) == canonical(fastavro_decode(parsed, None, expected))
    if generated_only:  # prove the generated code itself, not the fastavro fallback behind it
        named = named_types(parsed)
        native = native_encoder(parsed, named, prefix=b"\x00\x00\x00\x00\x07")
        if native is not None:  # the C encoder takes all of this data itself (no fallback)
            assert native(datum) == b"\x00\x00\x00\x00\x07" + expected
        assert generate_encoder(parsed, named)(datum) == expected
        try:  # the optimistic first try: equal bytes, or IndexError for a length beyond its table
            assert generate_encoder(parsed, named, optimistic=True)(datum) == expected
        except IndexError:
            assert _has_long_length(datum)
        value, end = generate_decoder(parsed, None, {"writer": named, "reader": {}})(expected)
        assert end == len(expected)
        assert canonical(value) == canonical(fastavro_decode(parsed, None, expected))
        built, value = native_decode(schema, None, expected)
        if built:
            assert canonical(value) == canonical(fastavro_decode(parsed, None, expected))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_schemas_and_data_match_fastavro(data: st.DataObject) -> None:
    schema = data.draw(schemas())
    datum = data.draw(values(schema, {}))
    assert_same_as_fastavro(schema, datum, generated_only=True)


def _record(*fields: tuple[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "T", "fields": [{"name": n, "type": t} for n, t in fields]}


DECIMAL = {"type": "bytes", "logicalType": "decimal", "precision": 40, "scale": 4}
MONEY = {"type": "bytes", "logicalType": "decimal", "precision": 6, "scale": 2}
# the largest and smallest at the precision, signed zeros, two's-complement size edges, coarser exponents
MONEY_EDGES = [decimal.Decimal(t) for t in ("9999.99", "-9999.99", "0.00", "-0.00", "1.28", "-1.28", "-1.27",
                                            "-1.29", "327.68", "-327.68", "0.01", "-0.01", "1E+2", "5.1", "0")]
FIXED_DECIMAL = {"type": "fixed", "name": "Money", "size": 16, "logicalType": "decimal", "precision": 30, "scale": 2}
NODE = {"type": "record", "name": "Node", "fields": [
    {"name": "label", "type": "string"},
    {"name": "children", "type": {"type": "array", "items": "Node"}},
    {"name": "next", "type": ["null", "Node"], "default": None},
]}

# every byte-length boundary, and the edges of the encoder's one/two/three-chunk table paths (z = 2**14,
# 2**28, 2**42, where z is the zig-zag value)
VARINT_EDGES = [0, -1, 63, -64, 64, -65, 8191, -8192, 8192, -8193, 1048575, -1048576, 1048576, -1048577,
                2**27 - 1, -(2**27), 2**27, -(2**27) - 1, 2**35, -(2**35) - 1,
                2**41 - 1, -(2**41), 2**41, -(2**41) - 1, 2**62, -(2**62) - 1]
INT_EDGES = [v for v in VARINT_EDGES if -(2**31) <= v < 2**31] + [2**31 - 1, -(2**31)]

TRICKY = {
    "long_extremes": (_record(("a", "long"), ("b", "long")), {"a": -(2**63), "b": 2**63 - 1}),
    "int_extremes": (_record(("a", "int"), ("b", "int")), {"a": -(2**31), "b": 2**31 - 1}),
    "varint_boundaries": (_record(*[(f"f{i}", "long") for i in range(len(VARINT_EDGES))]),
                          {f"f{i}": v for i, v in enumerate(VARINT_EDGES)}),
    "int_varint_boundaries": (_record(*[(f"f{i}", "int") for i in range(len(INT_EDGES))]),
                              {f"f{i}": v for i, v in enumerate(INT_EDGES)}),
    "empty_array_and_map": (_record(("a", {"type": "array", "items": "string"}),
                                    ("m", {"type": "map", "values": "int"})), {"a": [], "m": {}}),
    "unicode_strings": (_record(("s", "string"), ("m", {"type": "map", "values": "string"})),
                        {"s": "Zürich — 東京 🚑", "m": {"ключ": "值", "": ""}}),
    "nan_and_infinities": (_record(("f", "float"), ("d", "double"), ("e", "double")),
                           {"f": float("nan"), "d": float("-inf"), "e": -0.0}),
    "float_overflowing_32_bits": (_record(("f", "float")), {"f": 1e300}),
    "int_in_double_field": (_record(("d", "double"), ("f", "float")), {"d": 3, "f": -7}),
    "big_decimal": (_record(("d", DECIMAL)), {"d": decimal.Decimal("-123456789012345678901234567890.1234")}),
    "decimal_coarser_than_scale": (_record(("d", DECIMAL)), {"d": decimal.Decimal("12.5")}),
    "negative_decimal_power_of_two": (_record(("d", DECIMAL)), {"d": decimal.Decimal("-0.0128")}),
    "fixed_decimal": (_record(("d", FIXED_DECIMAL)), {"d": decimal.Decimal("-99.99")}),
    "decimal_edges": (_record(*[(f"d{i}", MONEY) for i in range(len(MONEY_EDGES))]),
                      {f"d{i}": v for i, v in enumerate(MONEY_EDGES)}),
    "timestamps_before_1970": (
        _record(("ms", {"type": "long", "logicalType": "timestamp-millis"}),
                ("us", {"type": "long", "logicalType": "timestamp-micros"})),
        {"ms": datetime.datetime(1901, 3, 4, 5, 6, 7, 891234, tzinfo=UTC),
         "us": datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)}),
    "timestamp_other_timezone": (
        _record(("ms", {"type": "long", "logicalType": "timestamp-millis"})),
        {"ms": datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))}),
    "dates_and_times": (
        _record(("d", {"type": "int", "logicalType": "date"}), ("t", {"type": "int", "logicalType": "time-millis"}),
                ("u", {"type": "long", "logicalType": "time-micros"})),
        {"d": datetime.date(1, 1, 1), "t": datetime.time(23, 59, 59, 999000), "u": datetime.time(0, 0, 0, 1)}),
    "uuid_object_and_text": (_record(("a", {"type": "string", "logicalType": "uuid"}),
                                     ("b", {"type": "string", "logicalType": "uuid"})),
                             {"a": uuid.UUID(int=1), "b": str(uuid.UUID(int=2**128 - 1))}),
    "missing_optional_field": (_record(("a", ["null", "string"]), ("b", "int")), {"b": 1}),
    "union_float_prefers_double": (_record(("u", ["float", "long", "double"])), {"u": 1.5}),
    "union_bool_is_not_int": (_record(("u", ["int", "boolean"])), {"u": True}),
    "union_int_beyond_32_bits": (_record(("u", ["int", "long"])), {"u": 2**40}),
    "union_tuple_notation": (_record(("u", ["null", {"type": "record", "name": "A", "fields": []},
                                            {"type": "record", "name": "B", "fields": []}])), {"u": ("B", {})}),
    "union_of_records_most_fields": (
        _record(("u", [{"type": "record", "name": "Small", "fields": [{"name": "a", "type": "int"}]},
                       {"type": "record", "name": "Big", "fields": [{"name": "a", "type": "int"},
                                                                    {"name": "b", "type": "int"}]}])),
        {"u": {"a": 1, "b": 2}}),
    "recursive_named_record": (NODE, {"label": "root", "children": [
        {"label": "leaf", "children": [], "next": None}], "next": {"label": "n", "children": []}}),
    "large_array_and_long_string": (_record(("a", {"type": "array", "items": "int"}), ("s", "string")),
                                    {"a": list(range(9000)), "s": "x" * 10000}),
    "union_with_named_reference": (
        _record(("home", {"type": "record", "name": "Addr", "fields": [{"name": "zip", "type": "string"}]}),
                ("work", ["null", "string", "Addr"]), ("kind", {"type": "enum", "name": "K", "symbols": ["X"]}),
                ("alt", ["null", "K", "long"])),
        {"home": {"zip": "1"}, "work": {"zip": "2"}, "kind": "X", "alt": "X"}),
    "top_level_primitive": ("string", "just a string"),
    "top_level_union": (["null", "long"], 5),
}


# valid data the generated code leaves to fastavro on purpose (it raises, the failure path delegates)
DELEGATED = {"float_overflowing_32_bits"}


@pytest.mark.parametrize("case", list(TRICKY))
def test_tricky_cases_match_fastavro(case: str) -> None:
    schema, datum = TRICKY[case]
    assert_same_as_fastavro(schema, datum, generated_only=case not in DELEGATED)


def _has_long_length(datum: Any) -> bool:
    if isinstance(datum, (str, bytes, list, dict)) and len(datum) >= 8192:
        return True
    if isinstance(datum, dict):
        return any(_has_long_length(v) for v in datum.values())
    if isinstance(datum, (list, tuple)):
        return any(_has_long_length(v) for v in datum)
    return False


def test_long_lengths_are_written_by_the_checked_encoder_not_fastavro(monkeypatch: pytest.MonkeyPatch) -> None:
    schema, datum = TRICKY["large_array_and_long_string"]
    parsed = fastavro.parse_schema(schema)
    with pytest.raises(IndexError):
        generate_encoder(parsed, named_types(parsed), optimistic=True)(datum)
    expected = fastavro_encode(parsed, datum)

    def no_fastavro(*args: Any) -> bytes:
        raise AssertionError("the fastavro fallback was used")

    monkeypatch.setattr("mesh.sdk.codec.encoding.fastavro_encode", no_fastavro)
    assert compile_encoder(schema)(datum) == expected


def test_delegated_case_is_really_delegated() -> None:
    schema, datum = TRICKY["float_overflowing_32_bits"]
    parsed = fastavro.parse_schema(schema)
    with pytest.raises(OverflowError):
        generate_encoder(parsed, named_types(parsed))(datum)
    native = native_encoder(parsed, named_types(parsed))
    if native is not None:
        with pytest.raises(OverflowError):
            native(datum)


def _repository_schemas() -> dict[str, Any]:
    """Every schemas/**/*.avsc, expanded (references to other files' named types inlined)."""
    texts = {str(p.relative_to(REPO)): json.loads(p.read_text()) for p in sorted((REPO / "schemas").glob("**/*.avsc"))}
    named: dict[str, Any] = {}
    loaded: dict[str, Any] = {}
    for _ in range(len(texts)):  # files may refer to each other: parse until nothing new resolves
        for path, schema in texts.items():
            if path not in loaded:
                try:
                    loaded[path] = fastavro.parse_schema(schema, named, expand=True, _write_hint=False)
                except fastavro.schema.UnknownType:
                    continue
    missing = sorted(set(texts) - set(loaded))
    assert not missing, f"schemas referring to unknown types: {missing}"
    return loaded


REPOSITORY_SCHEMAS = _repository_schemas()


@pytest.mark.parametrize("path", sorted(REPOSITORY_SCHEMAS))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_repository_schemas_match_fastavro(path: str, data: st.DataObject) -> None:
    schema = REPOSITORY_SCHEMAS[path]
    assert_same_as_fastavro(schema, data.draw(values(schema, {})), generated_only=True)


def test_negative_block_counts_written_by_other_writers_decode_like_fastavro() -> None:
    # Java writers may emit a negative count followed by the block's byte size; fastavro never does
    schema = _record(("xs", {"type": "array", "items": "long"}), ("m", {"type": "map", "values": "int"}),
                     ("skipped", {"type": "array", "items": "string"}))
    reader = _record(("xs", {"type": "array", "items": "long"}), ("m", {"type": "map", "values": "int"}))
    body = (b"\x03\x04\x02\x04" + b"\x02\x06\x00"      # xs: count -2 (size 2): 1, 2; count 1: 3; end
            + b"\x01\x06\x02k\x08\x00"                  # m: count -1 (size 3): "k" -> 4; end
            + b"\x01\x04\x02a\x00")                     # skipped: count -1 (size 2): "a"; end
    parsed = fastavro.parse_schema(schema)
    assert compile_decoder(schema)(body) == fastavro_decode(parsed, None, body) == {
        "xs": [1, 2, 3], "m": {"k": 4}, "skipped": ["a"]}
    assert compile_decoder(schema, reader)(body) == fastavro_decode(parsed, fastavro.parse_schema(reader), body)
