"""Benchmark of the registry service: GET /schemas/ids/{id} requests/s and register latency p50/p99.

Run (needs a Kafka broker; `wrk` gives the best load, else a Python client is used):
    MESH_KAFKA__BOOTSTRAP_SERVERS=127.0.0.1:9092 /tmp/probe/venv/bin/python bench/registry_bench.py [--repeats 5]

The registry runs as a subprocess (`mesh registry serve`, uvicorn) on a fresh `_schemas` topic. The
baseline, measured in the same run on the same machine, is the ceiling of this stack: a static
Starlette endpoint under the same uvicorn setup. Targets: >= 5,000 GET/s; re-register p99 < 10 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BASELINE_APP = """
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = b'{"schema":"{\\\\"type\\\\":\\\\"record\\\\",\\\\"name\\\\":\\\\"Bench\\\\",\\\\"fields\\\\":[]}"}'

async def static(request):
    return Response(BODY, media_type="application/vnd.schemaregistry.v1+json")

app = Starlette(routes=[Route("/schemas/ids/1", static), Route("/", static)])
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} not ready after {timeout_s} s")


def wrk_rps(url: str, *, seconds: int, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if match is None or non2xx is not None:
        raise SystemExit(f"wrk failed or got errors:\n{out}")
    return float(match.group(1))


def python_rps(url: str, *, seconds: int, connections: int) -> float:
    """Fallback load: threads with keep-alive clients (itself CPU-bound: a lower bound)."""
    count = [0] * connections
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        with httpx.Client() as client:
            while time.monotonic() < stop:
                client.get(url).raise_for_status()
                count[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(count) / seconds


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2] * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def schema(n: int) -> str:
    return json.dumps({"type": "record", "name": f"Bench{n}", "namespace": "mesh.bench",
                       "fields": [{"name": "value", "type": "long"}, {"name": "note", "type": "string"}]})


def summary(name: str, values: list[float], unit: str) -> str:
    return (f"{name:<34} min {min(values):>9.1f}  median {statistics.median(values):>9.1f}  "
            f"max {max(values):>9.1f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--registrations", type=int, default=100)
    args = parser.parse_args()
    if not os.environ.get("MESH_KAFKA__BOOTSTRAP_SERVERS"):
        raise SystemExit("set MESH_KAFKA__BOOTSTRAP_SERVERS")
    load = wrk_rps if shutil.which("wrk") else python_rps
    print(f"load generator: {'wrk' if load is wrk_rps else 'python threads (wrk not found)'}; "
          f"{args.repeats} x {args.seconds} s, {args.connections} connections")

    reg_port, base_port = free_port(), free_port()
    env = {**os.environ, "MESH_REGISTRY__SCHEMAS_TOPIC": f"bench._schemas.{uuid.uuid4().hex[:8]}",
           "MESH_REGISTRY__PORT": str(reg_port), "MESH_REGISTRY__GROUP_ID": f"bench.{uuid.uuid4().hex[:8]}"}
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(BASELINE_APP.replace("{port}", str(base_port)))
    registry = subprocess.Popen([sys.executable, "-m", "mesh.cli.main", "registry", "serve", "--log-level", "warning"],
                                cwd=ROOT, env=env)
    baseline = subprocess.Popen([sys.executable, f.name])
    try:
        reg_url, base_url = f"http://127.0.0.1:{reg_port}", f"http://127.0.0.1:{base_port}"
        wait_ready(reg_url, registry)
        wait_ready(base_url, baseline)
        with httpx.Client(base_url=reg_url, timeout=30) as http:
            http.put("/config", json={"compatibility": "NONE"}).raise_for_status()
            new, again = [], []
            for n in range(args.registrations):
                t = time.perf_counter()
                http.post(f"/subjects/bench-{n}/versions", json={"schema": schema(n)}).raise_for_status()
                new.append(time.perf_counter() - t)
            for n in range(args.registrations * 5):
                t = time.perf_counter()
                http.post(f"/subjects/bench-{n % args.registrations}/versions",
                          json={"schema": schema(n % args.registrations)}).raise_for_status()
                again.append(time.perf_counter() - t)
        with httpx.Client(base_url=base_url, timeout=30) as http:
            static = []
            for _ in range(args.registrations * 5):
                t = time.perf_counter()
                http.get("/schemas/ids/1").raise_for_status()
                static.append(time.perf_counter() - t)

        reg_rps, base_rps = [], []
        for _ in range(args.repeats):
            reg_rps.append(load(f"{reg_url}/schemas/ids/1", seconds=args.seconds, connections=args.connections))
            base_rps.append(load(f"{base_url}/schemas/ids/1", seconds=args.seconds, connections=args.connections))
        print(summary("GET /schemas/ids/{id} (registry)", reg_rps, "req/s"))
        print(summary("GET static (baseline)", base_rps, "req/s"))
        print(f"ratio registry/baseline (medians): {statistics.median(reg_rps) / statistics.median(base_rps):.2f}"
              f"   target >= 5,000 req/s: {'met' if statistics.median(reg_rps) >= 5000 else 'NOT met'}")
        for name, samples in (("register new schema", new), ("re-register known schema", again),
                              ("GET static (baseline latency)", static)):
            p50, p99 = percentiles(samples)
            print(f"{name:<34} p50 {p50:>7.2f} ms  p99 {p99:>7.2f} ms  (n={len(samples)})")
        p50_again, p99_again = percentiles(again)
        p50_static, _ = percentiles(static)
        print(f"ratio re-register/baseline p50: {p50_again / p50_static:.1f}"
              f"   target re-register p99 < 10 ms: {'met' if p99_again < 10 else 'NOT met'}")
    finally:
        for proc in (registry, baseline):
            proc.terminate()
            proc.wait(timeout=30)
        os.unlink(f.name)


if __name__ == "__main__":
    main()
