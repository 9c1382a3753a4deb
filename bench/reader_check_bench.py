"""What the consumer-aware check adds to `mesh schemas check`, and what the exports cost.

Run:  .venv/bin/python bench/reader_check_bench.py [--schemas 100] [--readers 3] [--repeat 7]

Measured in the same run, each as min/median/max seconds over --repeat runs:
  baseline   check_files of N writer schemas against one deployed version each, no readers
  readers    the same with R registered readers per subject (each a projection of half the fields)
  repo       the repository's own check: its schemas with the 9 readers of member-360's contracts,
             loading descriptors and contract files included (what `--contracts repo` pays)
  export     the AsyncAPI document and the ODCS contracts of the repository's products
Ratio: readers / baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schema_check import show, timed  # bench/ is this script's path: the same timing as schema_check

from mesh.compat import parse_schema
from mesh.governance.reader_check import RegisteredReader
from mesh.governance.schema_check import DeployedSubject, DeployedVersion, SchemaFile, check_files
from mesh.governance.subjects import convention_resolver
from mesh.products.contracts import registered_readers, scan_contracts
from mesh.products.export_asyncapi import asyncapi
from mesh.products.export_odcs import odcs
from mesh.products.loader import load_all


def record(index: int, fields: int) -> dict[str, object]:
    columns: list[dict[str, object]] = [{"name": "id", "type": "string"}]
    columns += [{"name": f"f{n}", "type": ["null", "string"], "default": None} for n in range(fields)]
    return {"type": "record", "name": f"Event{index}", "namespace": "mesh.bench", "fields": columns}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=int, default=100)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    files = [SchemaFile(f"schemas/bench/e{i}.avsc", json.dumps(record(i, 15))) for i in range(args.schemas)]
    deployed = {f"mesh.bench.Event{i}": DeployedSubject(f"mesh.bench.Event{i}",
                                                        (DeployedVersion(1, json.dumps(record(i, 14))),))
                for i in range(args.schemas)}
    readers = []
    for i in range(args.schemas):
        full = record(i, 15)
        projected = {**full, "fields": full["fields"][:8]}  # type: ignore[index]
        schema = parse_schema(projected)
        readers += [RegisteredReader(f"team{r}.consumer", "bench.product", f"com.healthco.bench.Event{i}.v1",
                                     f"mesh.bench.Event{i}", schema, ("id", "f1"), "bench") for r in range(args.readers)]
    resolver = convention_resolver()

    def fetch(_: object) -> dict[str, DeployedSubject]:
        return deployed

    def plain() -> object:
        return check_files(files, resolver=resolver, fetch_deployed=fetch)

    def consumer_aware() -> object:
        return check_files(files, resolver=resolver, fetch_deployed=fetch, readers=readers)

    plain(), consumer_aware()  # warm up: imports and caches, then interleave so drift hits both alike
    base_runs: list[float] = []
    reader_runs: list[float] = []
    for _ in range(args.repeat):
        base_runs += timed(plain, 1)
        reader_runs += timed(consumer_aware, 1)
    base = show("baseline", base_runs)
    with_readers = show("readers", reader_runs)
    print(f"readers / baseline: {with_readers / base:.2f}x for {len(readers)} readers of {args.schemas} schemas")

    def repo() -> None:
        products = load_all(ROOT / "domains", project_root=ROOT)
        contracts, _ = scan_contracts(ROOT / "domains", products, root=ROOT)
        own = [SchemaFile(str(p), p.read_text()) for p in sorted((ROOT / "schemas").rglob("*.avsc"))]
        check_files(own, resolver=resolver, fetch_deployed=lambda _: {}, readers=registered_readers(contracts))

    show("repo", timed(repo, args.repeat))
    products = load_all(ROOT / "domains", project_root=ROOT)
    show("export", timed(lambda: (asyncapi(products), [odcs(p) for p in products]), args.repeat))


if __name__ == "__main__":
    main()
