"""schemathesis against the registry's own OpenAPI document: no input gets a 5xx (issue 12).

The app runs in-process over an in-memory log (no broker needed), seeded with a few subjects and a
reference so generated requests reach real versions and ids. Every operation gets
`EXAMPLES_PER_OPERATION` generated cases per generation mode (positive and negative; about 5,000
requests in all; `MESH_FUZZ_EXAMPLES` to change).
Against a live, Kafka-backed registry: `make fuzz-registry`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from mesh.core.settings import RegistrySettings
from mesh.registry import InMemoryLog, create_app

EXAMPLES_PER_OPERATION = int(os.environ.get("MESH_FUZZ_EXAMPLES", "60"))
MEMBER = json.dumps({"type": "record", "name": "Member", "namespace": "mesh.test",
                     "fields": [{"name": "id", "type": "string"}]})
CLAIM = json.dumps({"type": "record", "name": "Claim", "namespace": "mesh.test",
                    "fields": [{"name": "member", "type": "mesh.test.Member"}]})


def seeded_app() -> tuple[FastAPI, TestClient]:
    app = create_app(RegistrySettings(), log_store=InMemoryLog())
    client = TestClient(app)
    client.__enter__()  # runs the lifespan: the log is open for every client of this app
    for subject in ("a", "b", "string"):
        client.post(f"/subjects/{subject}/versions", json={"schema": MEMBER}).raise_for_status()
    client.post("/subjects/claim/versions", json={
        "schema": CLAIM, "references": [{"name": "mesh.test.Member", "subject": "a", "version": 1}],
    }).raise_for_status()
    return app, client


APP, CLIENT = seeded_app()
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
# valid requests and ones that break the document on purpose (wrong types, missing fields, bad bodies)
SCHEMA.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
SEEN: dict[str, int] = {}  # requests sent, by generation mode
OPERATIONS: set[str] = set()


@pytest.fixture(scope="module", autouse=True)
def close_app() -> Iterator[None]:
    yield
    CLIENT.__exit__(None, None, None)
    print(f"schemathesis: {sum(SEEN.values())} requests {SEEN} over {len(OPERATIONS)} operations")


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case: schemathesis.Case) -> None:
    response = case.call()
    mode = case.meta.generation.mode.value if case.meta is not None else "explicit"
    SEEN[mode] = SEEN.get(mode, 0) + 1
    OPERATIONS.add(case.operation.label)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
