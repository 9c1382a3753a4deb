"""Registry unit tests: the REST app over an in-memory log, through Starlette's TestClient."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mesh.core.settings import RegistrySettings
from mesh.registry import InMemoryLog, create_app


def record(name: str, *fields: tuple[str, Any], namespace: str = "mesh.test") -> str:
    """An Avro record schema as text; a field is (name, type) or (name, type, default)."""
    fs = []
    for f in fields:
        entry: dict[str, Any] = {"name": f[0], "type": f[1]}
        if len(f) > 2:
            entry["default"] = f[2]
        fs.append(entry)
    return json.dumps({"type": "record", "name": name, "namespace": namespace, "fields": fs})


V1 = record("Claim", ("id", "string"))
V2_COMPATIBLE = record("Claim", ("id", "string"), ("amount", "double", 0.0))
V2_NO_DEFAULT = record("Claim", ("id", "string"), ("amount", "double"))
OTHER = record("Member", ("member_id", "string"))


def make_client(log: InMemoryLog | None = None) -> TestClient:
    return TestClient(create_app(RegistrySettings(), log_store=log or InMemoryLog()))


@pytest.fixture
def client() -> Iterator[TestClient]:
    with make_client() as c:
        yield c


def run(client: TestClient, steps: list[tuple[str, str, Any]]) -> None:
    """Perform setup steps (method, path, json body or None), each of which must succeed."""
    for method, path, body in steps:
        response = client.request(method, path, json=body)
        assert response.status_code == 200, (method, path, response.text)
