"""The catalog's costs: search time at 1,000 generated descriptors, and requests per product page view.

    python bench/catalog_bench.py --products 1000 --rounds 30        # search and list page, no broker
    MESH_KAFKA__BOOTSTRAP_SERVERS=... MESH_REGISTRY__URL=... \\
        python bench/catalog_bench.py --page-views 5                   # + a real page against a running mesh

Descriptors are the shipped ones copied with new ids, owners and descriptions (on disk, loaded with
the real loader, so schema loading is part of the start-up figure). Search times are per query,
min/median/max over the rounds. Requests per page view: broker round trips counted by `BrokerView`,
registry requests read from the registry's own `/metrics` before and after (ours only).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mesh.catalog.app import create_app
from mesh.catalog.broker import BrokerView
from mesh.catalog.search import SearchIndex
from mesh.core.settings import MeshSettings
from mesh.products.loader import descriptor_files, load_all

QUERIES = ("claim", "allowed amount", "subscriber", "zzz-no-match", "team 417", "")
WORDS = ("eligibility", "pharmacy", "dental", "vision", "authorization", "referral", "provider", "network",
         "premium", "billing", "wellness", "risk", "quality", "enrollment", "appeals", "formulary")


def generate(folder: Path, count: int, seed: int = 7) -> None:
    """`count` descriptors under folder/<domain>/products/, copies of the shipped ones with new ids."""
    rng = random.Random(seed)
    shipped = [yaml.safe_load(p.read_text()) for p in descriptor_files(ROOT / "domains")]
    sources = [d for d in shipped if d["kind"] == "source"]
    for n in range(count):
        data = dict(rng.choice(sources))
        topic = " ".join(rng.sample(WORDS, 3))
        data.update(id=f"{data['domain']}.g{n:04d}", owner={"team": f"Team {n}", "contact": f"team{n}@example.org"},
                    description=f"Generated product {n} about {topic}, copied from {data['id']} for the bench.",
                    lifecycle=rng.choice(["draft", "active", "active", "deprecated"]))
        path = folder / data["domain"] / "products" / f"g{n:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data))


def spread(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{ms[0]:.3f} / {statistics.median(ms):.3f} / {ms[-1]:.3f} ms"


def search_bench(count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), count)
        began = time.perf_counter()
        products = load_all(tmp, project_root=ROOT)
        loaded = time.perf_counter() - began
    began = time.perf_counter()
    index = SearchIndex(products)
    built = time.perf_counter() - began
    print(f"{len(products)} descriptors: loaded in {loaded:.2f} s, index built in {built * 1000:.1f} ms")
    print(f"{'query':<28} {'hits':>5}  search min / median / max")
    for query in QUERIES:
        times = []
        for _ in range(rounds):
            began = time.perf_counter()
            hits = index.search(query)
            times.append(time.perf_counter() - began)
        print(f"{query!r:<28} {len(hits):>5}  {spread(times)}")
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        index.search("provider", domain="claims", lifecycle="active")
        times.append(time.perf_counter() - began)
    print(f"{'provider + 2 filters':<28} {'':>5}  {spread(times)}")
    client = TestClient(create_app(MeshSettings(), products))
    for label, params in (("list page, all rows", {}), ("list page, 'claim team 41'", {"q": "claim team 41"})):
        times = []
        for _ in range(max(3, rounds // 3)):
            began = time.perf_counter()
            assert client.get("/", params=params).status_code == 200
            times.append(time.perf_counter() - began)
        print(f"{label:<34} {spread(times)} (HTTP, rendered)")


def registry_requests(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "mesh_registry_http_requests_total")


def page_bench(views: int, product_id: str) -> None:
    settings = MeshSettings.load()
    products = load_all(ROOT / "domains", project_root=ROOT)
    broker = BrokerView(settings)
    client = TestClient(create_app(settings, products, broker=broker))
    for view in range(1, views + 1):
        before_broker, before_registry = broker.requests, registry_requests(settings.registry.url)
        began = time.perf_counter()
        response = client.get(f"/products/{product_id}")
        took = time.perf_counter() - began
        assert response.status_code == 200 and "freshness-state" in response.text, response.text[-2000:]
        registry = registry_requests(settings.registry.url) - before_registry - 1  # minus our own /metrics read
        print(f"page view {view} of /products/{product_id}: {broker.requests - before_broker} broker round trips, "
              f"{registry:.0f} registry requests, {took * 1000:.0f} ms")
    broker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--page-views", type=int, default=0, help="Product page views against a running mesh.")
    parser.add_argument("--product", default="claims.claims")
    args = parser.parse_args()
    search_bench(args.products, args.rounds)
    if args.page_views:
        page_bench(args.page_views, args.product)


if __name__ == "__main__":
    main()
