"""Cost of the registry's authentication: GET /schemas/ids/{id} per second with and without a users file.

Run (no broker needed: in-process, over an in-memory log, through the whole ASGI stack):
    .venv/bin/python bench/registry_auth_bench.py [--repeats 5] [--requests 3000]

Prints min/median/max requests/s of the open app (baseline, same run) and of the authenticating one
(cached verdicts: one PBKDF2 per distinct header), the ratio, and the cost of one uncached PBKDF2 check.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from mesh.core.settings import RegistrySettings
from mesh.core.users import User, hash_password, save_users, verify_password
from mesh.registry import InMemoryLog, create_app

SCHEMA = '{"type":"record","name":"Bench","namespace":"mesh.bench","fields":[{"name":"id","type":"string"}]}'


def rate(client: TestClient, requests: int, auth: tuple[str, str] | None) -> float:
    start = time.perf_counter()
    for _ in range(requests):
        client.get("/schemas/ids/1", auth=auth)
    return requests / (time.perf_counter() - start)


def summary(name: str, values: list[float], unit: str) -> str:
    return f"{name}: min {min(values):,.0f} / median {statistics.median(values):,.0f} / max {max(values):,.0f} {unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        users = Path(folder) / "users.json"
        save_users(users, [User("bench", hash_password("pw"), topics=("bench",))])
        open_app = TestClient(create_app(RegistrySettings(), log_store=InMemoryLog()))
        auth_app = TestClient(create_app(RegistrySettings(users_file=users), log_store=InMemoryLog()))
        with open_app, auth_app:
            open_app.post("/subjects/bench-value/versions", json={"schema": SCHEMA}).raise_for_status()
            auth_app.post("/subjects/bench-value/versions", json={"schema": SCHEMA},
                          auth=("bench", "pw")).raise_for_status()
            baseline, secured = [], []
            for _ in range(args.repeats):
                baseline.append(rate(open_app, args.requests, None))
                secured.append(rate(auth_app, args.requests, ("bench", "pw")))
        encoded = hash_password("pw")
        hashes = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            verify_password("pw", encoded)
            hashes.append((time.perf_counter() - start) * 1000)
    print(summary("open (baseline)", baseline, "GET/s"))
    print(summary("authenticated  ", secured, "GET/s"))
    print(f"ratio authenticated/open (medians): {statistics.median(secured) / statistics.median(baseline):.2f}")
    print(f"one uncached PBKDF2-SHA256 check: min {min(hashes):.0f} / median {statistics.median(hashes):.0f} / "
          f"max {max(hashes):.0f} ms")


if __name__ == "__main__":
    main()
