"""Benchmark: what the semantic layer adds to a compatibility check (mesh.compat.semantic_pair next to
check_pair), on the pairs of `bench.compat_bench` plus the 34-field claim with semantic breaks.

Run from the repository root:

    .venv/bin/python -m bench.semantic_bench                      # 7 repeats x 200 loops
    .venv/bin/python -m bench.semantic_bench --repeats 11 --loops 300

Schemas are parsed once; each repeat times check_pair alone, then check_pair + semantic_pair,
interleaved. Prints min/median/max microseconds per call and the ratio of the medians (with the
layer / without): the price of the gate on every registration and `mesh schemas check`.
Target: check + semantic layer under 100 us (median) on every 34-field claim pair, i.e. well below
the registry's ~1 ms per request and invisible in `mesh schemas check`.
"""

from __future__ import annotations

import argparse
import copy
import statistics
from functools import partial
from typing import Any

from bench.compat_bench import PAIRS, claim_v1, timed
from mesh.compat import check_pair, parse_schema, semantic_pair


def claim_semantic_breaks() -> dict[str, Any]:
    """The 34-field claim with its first decimal as a string and its timestamps in micros."""
    claim = copy.deepcopy(claim_v1())
    text = repr(claim)
    assert "timestamp-millis" in text and "decimal" in text
    for field in claim["fields"]:
        kind = field["type"]
        if isinstance(kind, dict) and kind.get("logicalType") == "timestamp-millis":
            kind["logicalType"] = "timestamp-micros"
        if isinstance(kind, dict) and kind.get("logicalType") == "decimal" and kind["type"] == "bytes":
            field["type"] = "string"
    return claim


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--loops", type=int, default=200)
    args = parser.parse_args()
    pairs = [*PAIRS, ("claim34: semantic breaks read v1", claim_semantic_breaks(), claim_v1())]
    print(f"{'pair':42} {'side':9} {'min':>8} {'median':>8} {'max':>8} us | ratio | semantic findings")
    ratios = []
    for name, reader_raw, writer_raw in pairs:
        reader, writer = parse_schema(reader_raw), parse_schema(writer_raw)
        found = len(semantic_pair(reader, writer))

        def both(reader: Any = reader, writer: Any = writer) -> object:
            return check_pair(reader, writer), semantic_pair(reader, writer)

        alone, with_layer = timed([partial(check_pair, reader, writer), both], args.loops, args.repeats)
        ratio = statistics.median(with_layer) / statistics.median(alone)
        ratios.append(ratio)
        for side, samples in (("avro", alone), ("+semantic", with_layer)):
            print(f"{name:42} {side:9} {min(samples):8.1f} {statistics.median(samples):8.1f} {max(samples):8.1f}"
                  f"    | {ratio:5.2f}x | {found}")
    print(f"median ratio over {len(pairs)} pairs: {statistics.median(ratios):.2f}x (highest {max(ratios):.2f}x)")


if __name__ == "__main__":
    main()
