"""Benchmark: mesh.compat.check_pair against avro.compatibility on the same reader/writer pairs.

Run from the repository root:

    /tmp/probe/venv/bin/python -m bench.compat_bench                      # 7 repeats x 200 loops
    /tmp/probe/venv/bin/python -m bench.compat_bench --repeats 11 --loops 300

Both sides get schemas parsed once up front (ours: `parse_schema`; avro: `avro.schema.parse`) and are
timed on the check alone, a fresh checker per call (each memoizes within one check). For every pair
it prints min/median/max microseconds per check over the repeats, for each side, and the ratio of the
medians (avro / ours) and of the minimums (the least disturbed runs on a shared machine). Parse
times (ours: validation + fastavro + lookups; avro: avro.schema.parse) are printed once per pair for
transparency: ours does more work up front so that checks are cheap. The pairs include a 34-field claim record with nested records, arrays of
records, enums, unions, maps, fixed and decimals, evolved compatibly and incompatibly. Target: the
median ratio is at least 10.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import avro.compatibility
import avro.schema

from mesh.compat import check_pair, parse_schema


def _field(name: str, type_: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **extra}


def claim_v1() -> dict[str, Any]:
    """A 34-field claim: nested records, arrays of records, enums, unions, maps, fixed, decimals."""
    money = {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}
    address = {"type": "record", "name": "Address", "fields": [
        _field("line1", "string"), _field("line2", ["null", "string"], default=None), _field("city", "string"),
        _field("zip", "string"), _field("country", {"type": "enum", "name": "Country", "symbols": ["NO", "SE", "DK", "FI"]}),
    ]}
    provider = {"type": "record", "name": "Provider", "fields": [
        _field("provider_id", "string"), _field("name", "string"), _field("address", address),
        _field("kind", {"type": "enum", "name": "ProviderKind", "symbols": ["HOSPITAL", "CLINIC", "PHARMACY"]}),
        _field("npi", ["null", {"type": "fixed", "name": "Npi", "size": 10}], default=None),
    ]}
    line = {"type": "record", "name": "ClaimLine", "fields": [
        _field("line_no", "int"), _field("code", "string"), _field("quantity", "int"), _field("unit_price", money),
        _field("amount", money), _field("modifiers", {"type": "array", "items": "string"}),
        _field("status", {"type": "enum", "name": "LineStatus", "symbols": ["OPEN", "PAID", "DENIED"]}),
    ]}
    fields = [
        _field("claim_id", {"type": "string", "logicalType": "uuid"}),
        _field("member_id", "string"),
        _field("policy_id", "string"),
        _field("submitted_at", {"type": "long", "logicalType": "timestamp-millis"}),
        _field("service_date", {"type": "int", "logicalType": "date"}),
        _field("status", {"type": "enum", "name": "ClaimStatus", "symbols": ["SUBMITTED", "REVIEW", "PAID", "DENIED"]}),
        _field("channel", {"type": "enum", "name": "Channel", "symbols": ["WEB", "APP", "PAPER"]}),
        _field("provider", provider),
        _field("referring_provider", ["null", "Provider"], default=None),
        _field("member_address", "Address"),
        _field("lines", {"type": "array", "items": line}),
        _field("total_amount", money),
        _field("currency", "string"),
        _field("copay", ["null", money], default=None),
        _field("deductible", ["null", money], default=None),
        _field("diagnosis_codes", {"type": "array", "items": "string"}),
        _field("procedure_codes", {"type": "array", "items": "string"}),
        _field("attachments", {"type": "map", "values": "bytes"}),
        _field("tags", {"type": "map", "values": "string"}),
        _field("priority", "int"),
        _field("score", "float"),
        _field("fraud_score", ["null", "double"], default=None),
        _field("is_emergency", "boolean"),
        _field("is_resubmission", "boolean"),
        _field("previous_claim_id", ["null", "string"], default=None),
        _field("notes", ["null", "string"], default=None),
        _field("adjuster", ["null", "string"], default=None),
        _field("region", "string"),
        _field("source_system", "string"),
        _field("checksum", {"type": "fixed", "name": "Checksum", "size": 16}),
        _field("version", "long"),
        _field("created_by", "string"),
        _field("updated_at", ["null", {"type": "long", "logicalType": "timestamp-millis"}], default=None),
        _field("extra", {"type": "map", "values": ["null", "string", "long", "double"]}),
    ]
    return {"type": "record", "name": "Claim", "namespace": "mesh.claims", "fields": fields}


def claim_v2_compatible() -> dict[str, Any]:
    """v1 evolved the safe way: new fields with defaults, promotions, wider unions, more symbols."""
    schema = copy.deepcopy(claim_v1())
    fields = {field["name"]: field for field in schema["fields"]}
    fields["priority"]["type"] = "long"
    fields["score"]["type"] = "double"
    fields["status"]["type"]["symbols"].append("APPEALED")
    fields["notes"]["type"] = ["null", "string", "bytes"]
    fields["provider"]["type"]["fields"].append(_field("phone", ["null", "string"], default=None))
    fields["lines"]["type"]["items"]["fields"].append(_field("tax", ["null", "double"], default=None))
    schema["fields"].append(_field("channel_detail", ["null", "string"], default=None))
    schema["fields"].append(_field("review_count", "int", default=0))
    return schema


def claim_v2_incompatible() -> dict[str, Any]:
    """v1 evolved badly: a field without default, a narrowed type, a dropped symbol, a resized fixed."""
    schema = copy.deepcopy(claim_v1())
    fields = {field["name"]: field for field in schema["fields"]}
    fields["version"]["type"] = "int"
    fields["channel"]["type"]["symbols"].remove("PAPER")
    fields["checksum"]["type"]["size"] = 32
    fields["lines"]["type"]["items"]["fields"].append(_field("tax", "double"))
    schema["fields"].append(_field("payer_id", "string"))
    return schema


LINKED = {"type": "record", "name": "Node", "namespace": "mesh.bench", "fields": [
    _field("value", "int"), _field("children", {"type": "array", "items": "Node"}),
    _field("next", ["null", "Node"], default=None)]}
LINKED_WIDE = copy.deepcopy(LINKED)
LINKED_WIDE["fields"][0]["type"] = "long"

PAIRS: list[tuple[str, Any, Any]] = [  # (name, reader, writer)
    ("claim34: v2 reads v1 (compatible)", claim_v2_compatible(), claim_v1()),
    ("claim34: v1 reads v2 (new enum symbol)", claim_v1(), claim_v2_compatible()),
    ("claim34: identical", claim_v1(), claim_v1()),
    ("claim34: bad v2 reads v1 (incompatible)", claim_v2_incompatible(), claim_v1()),
    ("recursive tree: long reads int", LINKED_WIDE, LINKED),
    ("union of primitives", ["null", "long", "double", "string"], ["null", "int", "float", "bytes"]),
]


def timed(calls: list[Callable[[], object]], loops: int, repeats: int) -> list[list[float]]:
    """Microseconds per call for each callable, one number per repeat; repeats interleave the sides
    so that load from other processes hits both alike."""
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(repeats):
        for call, side in zip(calls, samples):
            start = time.perf_counter()
            for _ in range(loops):
                call()
            side.append((time.perf_counter() - start) / loops * 1e6)
    return samples


def _avro_check(reader: avro.schema.Schema, writer: avro.schema.Schema) -> object:
    checker = avro.compatibility.ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
    return checker.get_compatibility(reader, writer)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--loops", type=int, default=200)
    args = parser.parse_args()
    compatible = avro.compatibility.SchemaCompatibilityType.compatible
    median_ratios, min_ratios = [], []
    print(f"{'pair':42} {'side':5} {'min':>8} {'median':>8} {'max':>8} us/check | ratio median/min | verdicts | parse us")
    for name, reader_raw, writer_raw in PAIRS:
        start = time.perf_counter()
        ours_reader, ours_writer = parse_schema(reader_raw), parse_schema(writer_raw)
        ours_parse = (time.perf_counter() - start) * 1e6
        start = time.perf_counter()
        avro_reader, avro_writer = avro.schema.parse(json.dumps(reader_raw)), avro.schema.parse(json.dumps(writer_raw))
        avro_parse = (time.perf_counter() - start) * 1e6
        verdict_ours = not check_pair(ours_reader, ours_writer)
        verdict_avro = _avro_check(avro_reader, avro_writer).compatibility is compatible
        ours, theirs = timed([partial(check_pair, ours_reader, ours_writer),
                              partial(_avro_check, avro_reader, avro_writer)], args.loops, args.repeats)
        ratio = statistics.median(theirs) / statistics.median(ours)
        min_ratio = min(theirs) / min(ours)
        median_ratios.append(ratio)
        min_ratios.append(min_ratio)
        for side, samples, verdict, parse in (("mesh", ours, verdict_ours, ours_parse),
                                              ("avro", theirs, verdict_avro, avro_parse)):
            print(f"{name:42} {side:5} {min(samples):8.1f} {statistics.median(samples):8.1f} {max(samples):8.1f}"
                  f"          | {ratio:6.1f}x {min_ratio:6.1f}x | {'compatible' if verdict else 'incompatible':12}"
                  f" | {parse:8.0f}")
    print(f"median over {len(PAIRS)} pairs of the median ratio: {statistics.median(median_ratios):.1f}x "
          f"(lowest {min(median_ratios):.1f}x); of the min ratio: {statistics.median(min_ratios):.1f}x "
          f"(lowest {min(min_ratios):.1f}x); target >= 10x")


if __name__ == "__main__":
    main()
