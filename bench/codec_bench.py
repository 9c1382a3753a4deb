"""Per-event cost of our Avro codecs (C and generated Python) against fastavro, measured in the same run.

Run:  .venv/bin/python bench/codec_bench.py [--events 2000] [--repeats 7]

The event is a representative ~15-field claim: decimal amount, date, timestamp-millis, uuid, an enum,
an array of line records (each with a decimal), an array of strings, an optional nested record, a
map and an optional string. The reader schema differs the way evolution usually does (a field added
with a default, one removed, int promoted to long, an enum symbol added). Prints min/median/max
microseconds per event over the repeats and ratios (fastavro time / our time; > 1 means we are faster)
for "native" (the C modules of mesh.sdk.codec.native, the default where they are built) and "generated"
(the generated Python codecs, `native=False`).
"""

from __future__ import annotations

import argparse
import copy
import datetime
import decimal
import io
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import fastavro

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mesh.sdk.codec import compile_decoder, compile_encoder, native

MONEY = {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}
LINE = {"type": "record", "name": "ClaimLine", "fields": [
    {"name": "code", "type": "string"},
    {"name": "description", "type": "string"},
    {"name": "amount", "type": MONEY},
    {"name": "quantity", "type": "int"},
]}
PROVIDER = {"type": "record", "name": "Provider", "fields": [
    {"name": "npi", "type": "string"},
    {"name": "name", "type": "string"},
    {"name": "city", "type": ["null", "string"], "default": None},
]}
STATUS = {"type": "enum", "name": "ClaimStatus", "symbols": ["SUBMITTED", "APPROVED", "DENIED", "PAID"]}
WRITER: dict[str, Any] = {"type": "record", "name": "ClaimSubmitted", "namespace": "mesh.claims", "fields": [
    {"name": "claim_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "member_id", "type": "string"},
    {"name": "policy_id", "type": "string"},
    {"name": "amount", "type": MONEY},
    {"name": "currency", "type": "string"},
    {"name": "service_date", "type": {"type": "int", "logicalType": "date"}},
    {"name": "submitted_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "status", "type": STATUS},
    {"name": "lines", "type": {"type": "array", "items": LINE}},
    {"name": "diagnosis_codes", "type": {"type": "array", "items": "string"}},
    {"name": "provider", "type": ["null", PROVIDER], "default": None},
    {"name": "attributes", "type": {"type": "map", "values": "string"}},
    {"name": "channel", "type": "string"},
    {"name": "version", "type": "int"},
    {"name": "notes", "type": ["null", "string"], "default": None},
]}


def reader_schema() -> dict[str, Any]:
    reader = copy.deepcopy(WRITER)
    fields = [f for f in reader["fields"] if f["name"] != "channel"]            # removed field
    for field in fields:
        if field["name"] == "version":
            field["type"] = "long"                                               # int -> long
        if field["name"] == "status":
            field["type"]["symbols"] = [*STATUS["symbols"], "REOPENED"]          # added symbol
        if field["name"] == "lines":
            field["type"]["items"]["fields"][3]["type"] = "long"
    fields.append({"name": "region", "type": "string", "default": "CH"})        # added with default
    reader["fields"] = fields
    return reader


EVENT: dict[str, Any] = {
    "claim_id": "6f1c2b7e-9a8d-4c1e-b3f2-0d9e8a7b6c5d",
    "member_id": "M-0012345",
    "policy_id": "P-998877",
    "amount": decimal.Decimal("1234.50"),
    "currency": "CHF",
    "service_date": datetime.date(2026, 10, 3),
    "submitted_at": datetime.datetime(2026, 10, 5, 9, 30, 12, 345000, tzinfo=datetime.UTC),
    "status": "SUBMITTED",
    "lines": [
        {"code": "GP-CONSULT", "description": "General practitioner consultation", "amount": decimal.Decimal("150.00"),
         "quantity": 1},
        {"code": "LAB-BLOOD", "description": "Blood panel", "amount": decimal.Decimal("84.50"), "quantity": 2},
    ],
    "diagnosis_codes": ["J06.9", "R50.9"],
    "provider": {"npi": "1234567890", "name": "Praxis am See", "city": "Zürich"},
    "attributes": {"source": "portal", "priority": "normal"},
    "channel": "web",
    "version": 3,
    "notes": None,
}


def per_event_us(cases: dict[str, Callable[[], Any]], events: int, repeats: int) -> dict[str, list[float]]:
    """Microseconds per event of each case, per repeat; cases take turns so load spikes hit all alike."""
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            start = time.perf_counter()
            for _ in range(events):
                fn()
            results[name].append((time.perf_counter() - start) / events * 1e6)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    writer, reader = fastavro.parse_schema(WRITER), fastavro.parse_schema(reader_schema())
    body = compile_encoder(WRITER, native=False)(EVENT)

    def fastavro_encode() -> bytes:
        out = io.BytesIO()
        fastavro.schemaless_writer(out, writer, EVENT)
        return out.getvalue()

    assert body == fastavro_encode(), "our bytes differ from fastavro's"
    cases: dict[str, Callable[[], Any]] = {
        "fastavro encode": fastavro_encode,
        "fastavro decode": lambda: fastavro.schemaless_reader(io.BytesIO(body), writer, None),
        "fastavro decode+reader": lambda: fastavro.schemaless_reader(io.BytesIO(body), writer, reader),
    }
    kinds = ("native", "generated") if native.AVAILABLE else ("generated",)
    for kind in kinds:
        encode = compile_encoder(WRITER, native=kind == "native")
        decode = compile_decoder(WRITER, native=kind == "native")
        decode_resolved = compile_decoder(WRITER, reader_schema(), native=kind == "native")
        assert encode(EVENT) == body, f"{kind}: bytes differ from fastavro's"
        assert decode(body) == fastavro.schemaless_reader(io.BytesIO(body), writer, None)
        assert decode_resolved(body) == fastavro.schemaless_reader(io.BytesIO(body), writer, reader)
        cases[f"{kind} encode"] = partial(encode, EVENT)
        cases[f"{kind} decode"] = partial(decode, body)
        cases[f"{kind} decode+reader"] = partial(decode_resolved, body)
    per_event_us(cases, max(args.events // 10, 1), 1)  # warm up
    runs = per_event_us(cases, args.events, args.repeats)
    print(f"per-event microseconds, {args.events} events x {args.repeats} repeats, body {len(body)} bytes")
    print(f"{'case':<24}{'min':>9}{'median':>9}{'max':>9}")
    for name, times in runs.items():
        print(f"{name:<24}{min(times):9.2f}{statistics.median(times):9.2f}{max(times):9.2f}")
    print("ratios fastavro / ours (> 1 means ours is faster):   by min   by median")
    for kind in kinds:
        for op in ("encode", "decode", "decode+reader"):
            theirs, ours = runs["fastavro " + op], runs[f"{kind} {op}"]
            print(f"  {kind + ' ' + op:<48}{min(theirs) / min(ours):6.2f}x  "
                  f"{statistics.median(theirs) / statistics.median(ours):6.2f}x")
    for who in (*kinds, "fastavro"):
        plain, resolved = runs[who + " decode"], runs[who + " decode+reader"]
        print(f"  reader-schema resolution, {who}: {min(resolved) / min(plain) - 1:+.0%} by min, "
              f"{statistics.median(resolved) / statistics.median(plain) - 1:+.0%} by median")


if __name__ == "__main__":
    main()
