"""The C encoder (`mesh.sdk.codec.native`): built where a compiler is, strict about types, leak-free.

Byte equality with fastavro on generated and tricky data is proven in test_equivalence.py (it runs the
native encoder on every case); this file covers what is particular to the C module.
"""

from __future__ import annotations

import datetime
import decimal
import gc
import shutil
import sysconfig
import threading
import tracemalloc
from collections import OrderedDict
from typing import Any

import fastavro
import pytest

from mesh.core.errors import DataValidationError
from mesh.sdk.codec import compile_encoders, native
from mesh.sdk.codec.encoding import fastavro_encode
from mesh.sdk.codec.schema import named_types
from tests.support.sdk_events import CLAIM_V1, claim

UTC = datetime.UTC
PREFIX = b"\x00\x00\x00\x01\x02"


def _compiler() -> str | None:
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc)


def test_the_c_module_is_built_wherever_a_compiler_is() -> None:
    # pip compiles it as an optional extension: a failed build would silently fall back to Python
    if _compiler() is None:
        pytest.skip("no C compiler on this machine: the Python encoder is the fast path")
    assert native.AVAILABLE, "a C compiler is present but mesh/sdk/codec/_avro_native was not built"
    fast, _ = compile_encoders(CLAIM_V1, prefix=PREFIX)
    assert type(fast).__module__ == "mesh.sdk.codec._avro_native"


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
    from mesh.sdk.codec import _avro_native

    with pytest.raises(ValueError, match="unknown opcode"):
        _avro_native.Encoder((99,), (), b"")
    with pytest.raises(ValueError, match="ref index out of range"):
        _avro_native.Encoder((native.REF, 3), (), b"")
    with pytest.raises(ValueError, match="a field is"):
        _avro_native.Encoder((native.RECORD, (("a", False),)), (), b"")
    with pytest.raises(TypeError):
        _avro_native.Encoder((native.STRING,), (), b"")("a", "b")  # type: ignore[call-arg]


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

    run()  # warm caches (interned strings, free lists)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        run()
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert grown < 64 * 1024, f"{grown} bytes kept after 8,000 encodes: a reference leak"


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
