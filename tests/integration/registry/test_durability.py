"""Our registry on Kafka: a restart replays identical ids and versions; two instances never share an id."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from mesh.core.settings import KafkaSettings
from tests.support.registry import running_registry


def schema(n: int) -> str:
    return json.dumps({"type": "record", "name": f"Event{n}", "namespace": "mesh.test",
                       "fields": [{"name": "value", "type": "long"}]})


def snapshot(url: str) -> dict[str, object]:
    """Everything a client can see: subjects, their versions with ids, and the schema of each id."""
    with httpx.Client(base_url=url, timeout=30) as http:
        subjects = http.get("/subjects", params={"deleted": "true"}).json()
        versions = {}
        for subject in subjects:
            for v in http.get(f"/subjects/{subject}/versions", params={"deleted": "true"}).json():
                body = http.get(f"/subjects/{subject}/versions/{v}", params={"deleted": "true"}).json()
                versions[f"{subject}/{v}"] = body["id"]
        ids = {i: http.get(f"/schemas/ids/{i}").json()["schema"] for i in set(versions.values())}
        config = {s: http.get(f"/config/{s}", params={"defaultToGlobal": "true"}).json() for s in subjects}
        live = {s: http.get(f"/subjects/{s}/versions").json() if s != "gone" else [] for s in subjects}
    return {"versions": versions, "ids": ids, "config": config, "live": live}


def test_restart_returns_identical_ids_and_versions(
    kafka_settings: KafkaSettings, unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("_schemas")
    with running_registry(kafka_settings, topic=topic) as url, httpx.Client(base_url=url, timeout=30) as http:
        for n in range(6):
            subject = f"s{n % 3}"
            http.put(f"/config/{subject}", json={"compatibility": "NONE"}).raise_for_status()
            http.post(f"/subjects/{subject}/versions", json={"schema": schema(n)}).raise_for_status()
        http.post("/subjects/shared/versions", json={"schema": schema(0)}).raise_for_status()
        http.delete("/subjects/s1/versions/1").raise_for_status()
        before = snapshot(url)
    with running_registry(kafka_settings, topic=topic) as url, httpx.Client(base_url=url, timeout=30) as http:
        assert snapshot(url) == before
        again = http.post("/subjects/s0/versions", json={"schema": schema(0)}).json()["id"]
        assert again == before["versions"]["s0/1"]  # re-registering after a restart: the same id
        fresh = http.post("/subjects/s1/versions", json={"schema": schema(99)}).json()["id"]
        assert fresh == max(before["ids"]) + 1
        assert http.get("/subjects/s1/versions").json() == [2, 3]  # versions keep counting


def test_two_instances_registering_concurrently_never_share_an_id(
    kafka_settings: KafkaSettings, unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("_schemas")
    with running_registry(kafka_settings, topic=topic) as url_a, running_registry(kafka_settings, topic=topic) as url_b:
        clients = [httpx.Client(base_url=url_a, timeout=60), httpx.Client(base_url=url_b, timeout=60)]
        http = clients[0]
        for subject in ("shared-0", "shared-1"):
            http.put(f"/config/{subject}", json={"compatibility": "NONE"}).raise_for_status()
        rng = random.Random(7)
        # 40 distinct schemas, each sent to both instances: half into their own subject, half into
        # two shared subjects, so instances race for the same ids and the same version slots
        jobs = [(n, f"own-{n}" if n % 2 else f"shared-{n % 4 // 2}", which) for n in range(40) for which in (0, 1)]
        rng.shuffle(jobs)

        def register(job: tuple[int, str, int]) -> tuple[int, int]:
            n, subject, which = job
            response = clients[which].post(f"/subjects/{subject}/versions", json={"schema": schema(n)})
            response.raise_for_status()
            return n, response.json()["id"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(register, jobs))
        ids_of: dict[int, set[int]] = {}
        for n, schema_id in answers:
            ids_of.setdefault(n, set()).add(schema_id)
        assert all(len(ids) == 1 for ids in ids_of.values())  # each schema got one id from both instances
        assigned = [next(iter(ids)) for ids in ids_of.values()]
        assert len(set(assigned)) == len(assigned)  # and no id went to two schemas
        for c in clients:
            c.get("/").raise_for_status()
        view_a, view_b = snapshot(url_a), snapshot(url_b)
        deadline_rounds = 50
        while view_a != view_b and deadline_rounds:  # b may not have applied a's last record yet
            deadline_rounds -= 1
            view_a, view_b = snapshot(url_a), snapshot(url_b)
        assert view_a == view_b
        for n, schema_id in answers:
            assert json.loads(view_a["ids"][schema_id]) == json.loads(schema(n))  # type: ignore[index]
        for c in clients:
            c.close()
