"""The C codecs (`mesh.sdk.codec.native`): built where a compiler is, strict, bounds-checked, leak-free.

Byte and value equality with fastavro on generated and tricky data, with and without a reader schema, is
proven in test_equivalence.py and test_resolution.py (they run the C encoder and decoder directly on
every case); this file covers what is particular to the C modules.
"""

from __future__ import annotations

import datetime
import decimal
import gc
import io
import shutil
import sysconfig
import threading
import tracemalloc
from collections import OrderedDict
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesh.core.errors import DataValidationError, DecodingError
from mesh.sdk.codec import compile_decoder, compile_encoders, native
from mesh.sdk.codec.decoding import parse_pair
from mesh.sdk.codec.encoding import fastavro_encode
from mesh.sdk.codec.schema import named_types
from tests.support.sdk_events import CLAIM_V1, claim
from tests.unit.sdk.codec.avro_strategies import canonical, schemas, values

UTC = datetime.UTC
PREFIX = b"\x00\x00\x00\x01\x02"


def _compiler() -> str | None:
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc)


def test_the_c_module_is_built_wherever_a_compiler_is() -> None:
    # pip compiles it as an optional extension: a failed build would silently fall back to Python
    if _compiler() is None:
        pytest.skip("no C compiler on this machine: the Python encoder is the fast path")
    assert native.AVAILABLE, "a C compiler is present but mesh/sdk/codec/_avro_{en,de}code were not built"
    fast, _ = compile_encoders(CLAIM_V1, prefix=PREFIX)
    assert type(fast).__module__ == "mesh.sdk.codec._avro_encode"
    parsed = fastavro.parse_schema(CLAIM_V1)
    decoder = native.native_decoder(parsed, None, {"writer": named_types(parsed), "reader": {}})
    assert type(decoder).__module__ == "mesh.sdk.codec._avro_decode"


needs_native = pytest.mark.skipif(not native.AVAILABLE, reason="the C module is not built here")


def _native(schema: Any, prefix: bytes = PREFIX) -> Any:
    parsed = fastavro.parse_schema(schema)
    encoder = native.native_encoder(parsed, named_types(parsed), prefix=prefix)
    assert encoder is not None
    return encoder


def _record(*fields: tuple[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "T", "fields": [{"name": n, "type": t} for n, t in fields]}


@needs_native
def test_claims_equal_fastavro_with_the_frame_prefix() -> None:
    encode, parsed = _native(CLAIM_V1), fastavro.parse_schema(CLAIM_V1)
    for n in range(200):
        record = claim(n, adjudicated=n % 3 != 0)
        assert encode(record) == PREFIX + fastavro_encode(parsed, record)


# data the C encoder refuses on purpose (the safe path then converts or diagnoses)
REFUSED = {
    "bool in an int field": (_record(("i", "int")), {"i": True}),
    "int beyond 32 bits": (_record(("i", "int")), {"i": 2**31}),
    "long beyond 64 bits": (_record(("i", "long")), {"i": 2**63}),
    "int subclass": (_record(("i", "long")), {"i": decimal.Decimal(3)}),
    "float in an int field": (_record(("i", "int")), {"i": 1.0}),
    "tuple as an array": (_record(("a", {"type": "array", "items": "int"})), {"a": (1, 2)}),
    "OrderedDict as a record": (_record(("s", "string")), OrderedDict(s="x")),
    "non-str map key": (_record(("m", {"type": "map", "values": "int"})), {"m": {1: 2}}),
    "1 as a boolean": (_record(("b", "boolean")), {"b": 1}),
    "bytes as a string": (_record(("s", "string")), {"s": b"x"}),
    "unpaired surrogate": (_record(("s", "string")), {"s": "\ud800"}),
    "unknown enum symbol": (_record(("e", {"type": "enum", "name": "E", "symbols": ["A"]})), {"e": "B"}),
    "fixed of the wrong size": (_record(("f", {"type": "fixed", "name": "F", "size": 2})), {"f": b"abc"}),
    "missing required field": (_record(("a", "int"), ("b", "int")), {"a": 1}),
    "value in a null field": (_record(("n", "null")), {"n": 0}),
}


@needs_native
@pytest.mark.parametrize("case", list(REFUSED))
def test_refuses_what_it_was_not_written_for_and_the_safe_path_decides_as_without_it(case: str) -> None:
    schema, datum = REFUSED[case]
    with pytest.raises((TypeError, ValueError, KeyError, OverflowError)):
        _native(schema)(datum)
    _, with_native = compile_encoders(schema, prefix=PREFIX)
    _, python_only = compile_encoders(schema, prefix=PREFIX, native=False)
    outcomes = []
    for safe in (with_native, python_only):
        try:
            outcomes.append(safe(datum))
        except DataValidationError as exc:  # the same field named either way
            outcomes.append((exc.path, exc.expected))
    assert outcomes[0] == outcomes[1]


@needs_native
def test_converters_are_called_for_values_it_does_not_convert_itself() -> None:
    schema = _record(("ts", {"type": "long", "logicalType": "timestamp-millis"}),
                     ("d", {"type": "bytes", "logicalType": "decimal", "precision": 30, "scale": 25}),
                     ("day", {"type": "int", "logicalType": "date"}))
    encode, parsed = _native(schema, b""), fastavro.parse_schema(schema)
    cases = [
        {"ts": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=9))),
         "d": decimal.Decimal("1.5"), "day": 20000},  # offset zone; exponent != -scale; a plain int
        {"ts": 1_700_000_000_000, "d": decimal.Decimal("-12345.0000000000000000000000001"),
         "day": datetime.date(1969, 12, 31)},  # ms already; > 18 digits; before 1970
    ]
    for datum in cases:
        assert encode(datum) == fastavro_encode(parsed, datum)


@needs_native
def test_output_grows_past_the_stack_buffer() -> None:
    schema = _record(("s", "string"), ("b", "bytes"), ("a", {"type": "array", "items": "string"}))
    datum = {"s": "ü" * 70_000, "b": bytes(range(256)) * 300, "a": ["x" * 100] * 1_000}
    assert _native(schema)(datum) == PREFIX + fastavro_encode(fastavro.parse_schema(schema), datum)


@needs_native
def test_deep_recursion_raises_instead_of_crashing() -> None:
    schema = {"type": "record", "name": "L", "fields": [{"name": "next", "type": ["null", "L"]}]}
    datum: dict[str, Any] = {"next": None}
    for _ in range(100_000):
        datum = {"next": datum}
    with pytest.raises(RecursionError):
        _native(schema)(datum)
    shallow: dict[str, Any] = {"next": {"next": {"next": None}}}
    assert _native(schema, b"")(shallow) == fastavro_encode(fastavro.parse_schema(schema), shallow)


@needs_native
def test_malformed_programs_are_refused_with_a_reason() -> None:
    from mesh.sdk.codec import _avro_encode

    with pytest.raises(ValueError, match="unknown opcode"):
        _avro_encode.Encoder((99,), (), b"")
    with pytest.raises(ValueError, match="ref index out of range"):
        _avro_encode.Encoder((native.REF, 3), (), b"")
    with pytest.raises(ValueError, match="a field is"):
        _avro_encode.Encoder((native.RECORD, (("a", False),)), (), b"")
    with pytest.raises(TypeError):
        _avro_encode.Encoder((native.STRING,), (), b"")("a", "b")  # type: ignore[call-arg]


@needs_native
def test_no_memory_is_kept_after_many_encodes_good_and_bad() -> None:
    encode = _native(CLAIM_V1)
    good = [claim(n, adjudicated=n % 2 == 0) for n in range(50)]
    bad = [dict(g, priority="high") for g in good] + [dict(g, amount=decimal.Decimal("1.5")) for g in good]

    def run() -> None:
        for _ in range(40):
            for record in good:
                encode(record)
            for record in bad:
                try:
                    encode(record)
                except (TypeError, ValueError):
                    pass

    grown = _bytes_kept(run)
    assert grown < 64 * 1024, f"{grown} bytes kept after 8,000 encodes: a reference leak"


def _bytes_kept(run: Any) -> int:
    """Bytes still allocated after a second `run()` (the first warms caches: interned strings, free lists)."""
    run()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        run()
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    return sum(stat.size_diff for stat in after.compare_to(before, "filename"))


@needs_native
def test_one_encoder_serves_several_threads() -> None:
    encode, parsed = _native(CLAIM_V1), fastavro.parse_schema(CLAIM_V1)
    records = [claim(n) for n in range(100)]
    expected = [PREFIX + fastavro_encode(parsed, r) for r in records]
    wrong: list[int] = []

    def work() -> None:
        for _ in range(20):
            wrong.extend(i for i, r in enumerate(records) if encode(r) != expected[i])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


# -- decoding ---------------------------------------------------------------------------------------------

def _decoder(writer: Any, reader: Any = None, offset: int = 0) -> Any:
    named: dict[str, Any] = {"writer": {}, "reader": {}}
    w = fastavro.parse_schema(writer, named["writer"])
    r = fastavro.parse_schema(reader, named["reader"]) if reader is not None else None
    decoder = native.native_decoder(w, r, named, offset=offset)
    assert decoder is not None
    return decoder


CLAIM_BODY = fastavro_encode(fastavro.parse_schema(CLAIM_V1), claim(7))

MALFORMED = {
    "empty": b"",
    "truncated in a string": CLAIM_BODY[:5],
    "truncated at the end": CLAIM_BODY[:-1],
    "negative string length": b"\x03abc",
    "varint of 11 bytes": b"\xff" * 11,
    "array count beyond the data": b"\x02a" + b"\x02b" + b"\x02c" + b"\x02" + b"\x08\x00\x00" + b"\xfe\xff\xff\xff\x0f",
    "invalid UTF-8": b"\x04\xff\xfe",
}


@needs_native
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_data_raises_in_c_and_decoding_error_outside(case: str) -> None:
    body = MALFORMED[case]
    with pytest.raises((IndexError, ValueError, UnicodeDecodeError, OverflowError)):
        _decoder(CLAIM_V1)(body)
    with pytest.raises(DecodingError):
        compile_decoder(CLAIM_V1)(body)


@needs_native
def test_union_and_enum_indexes_outside_the_schema_raise() -> None:
    schema = _record(("u", ["null", "string"]), ("e", {"type": "enum", "name": "E", "symbols": ["A", "B"]}))
    decode = _decoder(schema)
    assert decode(b"\x02\x02x\x02") == ({"u": "x", "e": "B"}, 4)
    with pytest.raises(ValueError, match="union index 2"):
        decode(b"\x04")
    with pytest.raises(ValueError, match="enum index 2"):
        decode(b"\x00\x04")


@needs_native
def test_reads_from_the_offset_and_reports_the_end() -> None:
    framed = PREFIX + CLAIM_BODY + b"\x00"
    value, end = _decoder(CLAIM_V1, offset=5)(framed)
    assert value == fastavro.schemaless_reader(io.BytesIO(CLAIM_BODY), fastavro.parse_schema(CLAIM_V1))
    assert end == len(framed) - 1  # the trailing byte is the caller's to refuse
    with pytest.raises(TypeError):
        _decoder(CLAIM_V1)(memoryview(CLAIM_BODY))


@needs_native
def test_enums_of_any_size_and_unresolvable_symbols() -> None:
    many = {"type": "enum", "name": "Many", "symbols": [f"S{i}" for i in range(300)]}
    writer = _record(("e", many))
    body = fastavro_encode(fastavro.parse_schema(writer), {"e": "S299"})
    assert _decoder(writer)(body) == ({"e": "S299"}, len(body))
    reader = _record(("e", dict(many, symbols=["S0"])))
    with pytest.raises(LookupError):
        _decoder(writer, reader)(body)
    with pytest.raises(DecodingError):
        compile_decoder(writer, reader)(body)


@needs_native
def test_skipped_writer_fields_and_fresh_default_copies() -> None:
    writer = _record(("gone", {"type": "map", "values": {"type": "array", "items": ["null", "double"]}}),
                     ("kept", "int"))
    reader = {"type": "record", "name": "T", "fields": [
        {"name": "kept", "type": "long"}, {"name": "tags", "type": {"type": "array", "items": "string"},
                                           "default": ["a"]}]}
    datum = {"gone": {"k": [None, 1.5], "j": []}, "kept": 3}
    body = fastavro_encode(fastavro.parse_schema(writer), datum)
    decode = _decoder(writer, reader)
    first, end = decode(body)
    assert first == {"kept": 3, "tags": ["a"]} and end == len(body)
    first["tags"].append("mutated")
    assert decode(body)[0]["tags"] == ["a"]


@needs_native
def test_decoding_keeps_no_memory_good_or_bad() -> None:
    decode = _decoder(CLAIM_V1)
    bodies = [fastavro_encode(fastavro.parse_schema(CLAIM_V1), claim(n, adjudicated=n % 2 == 0)) for n in range(50)]
    bad = [b[:-3] for b in bodies]

    def run() -> None:
        for _ in range(40):
            for body in bodies:
                decode(body)
            for body in bad:
                try:
                    decode(body)
                except (IndexError, ValueError):
                    pass

    grown = _bytes_kept(run)
    assert grown < 64 * 1024, f"{grown} bytes kept after 4,000 decodes: a reference leak"


@needs_native
def test_malformed_decode_programs_are_refused() -> None:
    from mesh.sdk.codec import _avro_decode

    with pytest.raises(ValueError, match="unknown opcode"):
        _avro_decode.Decoder((99,), ())
    with pytest.raises(ValueError, match="ref index out of range"):
        _avro_decode.Decoder((native.D_REF, 0), ())
    with pytest.raises(ValueError, match="offset"):
        _avro_decode.Decoder((native.D_NULL,), (), -1)


@needs_native
def test_items_that_take_no_bytes_and_garbage_counts() -> None:
    nothing = {"type": "record", "name": "Nothing", "fields": [{"name": "n", "type": "null"}]}
    writer = _record(("nulls", {"type": "array", "items": "null"}), ("empty", {"type": "array", "items": nothing}),
                     ("lines", {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
                         {"name": "a", "type": "long"}, {"name": "b", "type": "string"}]}}))
    datum = {"nulls": [None] * 5, "empty": [{"n": None}] * 3, "lines": [{"a": 1, "b": "x"}]}
    body = fastavro_encode(fastavro.parse_schema(writer), datum)
    assert _decoder(writer)(body) == (datum, len(body))
    garbage = b"\x00\x00" + b"\xfe\xff\xff\xff\x0f"  # 2**31 lines of at least two bytes each, in 0 bytes
    with pytest.raises(IndexError):
        _decoder(writer)(garbage)


def test_without_the_c_modules_the_generated_codecs_do_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "AVAILABLE", False)  # as after an install without a C compiler
    parsed = fastavro.parse_schema(CLAIM_V1)
    assert native.native_encoder(parsed, named_types(parsed)) is None
    assert native.native_decoder(parsed, None, {"writer": named_types(parsed), "reader": {}}) is None
    fast, safe = compile_encoders(CLAIM_V1, prefix=PREFIX)
    assert type(fast).__name__ == "function"
    record = claim(3)
    body = safe(record)
    assert body == fast(record) == PREFIX + fastavro_encode(parsed, record)
    assert compile_decoder(CLAIM_V1, offset=5)(body) == fastavro.schemaless_reader(
        io.BytesIO(body[5:]), parsed)


@needs_native
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_bodies_never_crash_and_agree_with_fastavro_when_both_read_them(data: st.DataObject) -> None:
    # untrusted bytes from Kafka: the C decoder must return or raise, never read out of bounds, and a
    # value it returns must be fastavro's value for the same bytes
    schema = data.draw(schemas())
    body = fastavro_encode(fastavro.parse_schema(schema), data.draw(values(schema, {})))
    mutated = bytearray(body)
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        at = data.draw(st.integers(0, len(mutated)))
        if action == "flip" and at < len(mutated):
            mutated[at] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del mutated[at:]
        else:
            mutated[at:at] = data.draw(st.binary(min_size=1, max_size=4))
    try:
        value, end = native_decoder_of(schema)(bytes(mutated))
    except (IndexError, ValueError, UnicodeDecodeError, OverflowError, LookupError, RecursionError):
        return
    except MemoryError:  # a mutated count of items that take no bytes: over the limit, and fastavro would
        return  # allocate all of them (test_empty_items_limit.py; it once took this process to 23 GB)
    assert end <= len(mutated)
    try:
        expected = fastavro.schemaless_reader(io.BytesIO(bytes(mutated)), fastavro.parse_schema(schema), None)
    except Exception:  # noqa: BLE001 - fastavro refuses what C read: only bounds checks may differ (none here)
        pytest.fail(f"the C decoder read {bytes(mutated)!r} as {value!r}, fastavro refuses it")
    assert canonical(value) == canonical(expected)


def native_decoder_of(schema: Any) -> Any:
    decoder = native.native_decoder(*parse_pair(schema, None))
    assert decoder is not None
    return decoder


@needs_native
def test_a_converter_that_empties_the_record_being_written_does_not_crash_it() -> None:
    from mesh.sdk.codec import _avro_encode

    outer: dict[str, Any] = {}

    def vandal(value: Any) -> str:
        outer.clear()  # drops the only reference to the inner record while it is being written
        return "converted"

    inner_record = (native.RECORD, (("a", False, None, (native.LOGICAL, 0, vandal, None, (native.STRING,))),
                                    ("b", False, None, (native.STRING,))))
    encode = _avro_encode.Encoder((native.RECORD, (("inner", False, None, inner_record),)), (), b"")
    outer["inner"] = {"a": object(), "b": "still here"}
    assert encode(outer) == b"\x12converted" + b"\x14still here"
