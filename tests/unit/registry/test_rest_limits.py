"""Size limits (issue 12 bug 4): bodies are capped, a schema too big for a Kafka record is refused
with a 4xx before anything is written, and error messages never echo a huge input back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mesh.registry.limits import MAX_BODY_BYTES, MAX_RECORD_BYTES
from tests.unit.registry.conftest import V1

CT = {"content-type": "application/vnd.schemaregistry.v1+json"}


def big_schema(doc_chars: int) -> str:
    return json.dumps({"type": "record", "name": "Big", "namespace": "mesh.test", "doc": "d" * doc_chars,
                       "fields": [{"name": "id", "type": "string"}]})


def written(client: TestClient) -> int:
    return len(client.app.state.registry._log.records)  # type: ignore[attr-defined]


def test_a_schema_too_big_for_a_kafka_record_is_422_and_nothing_is_written(client: TestClient) -> None:
    response = client.post("/subjects/big/versions", json={"schema": big_schema(MAX_RECORD_BYTES)})
    assert (response.status_code, response.json()["error_code"]) == (422, 42201), response.text[:300]
    message = response.json()["message"]
    assert "too large" in message and f"{MAX_RECORD_BYTES:,}" in message and "references" in message
    assert written(client) == 0
    assert client.get("/subjects").json() == []


def test_a_schema_just_under_the_record_limit_registers(client: TestClient) -> None:
    response = client.post("/subjects/big/versions", json={"schema": big_schema(MAX_RECORD_BYTES - 2_000)})
    assert response.status_code == 200, response.text[:300]
    assert written(client) == 1


def test_a_body_over_the_cap_is_413_unread(client: TestClient) -> None:
    body = json.dumps({"schema": V1, "pad": "x" * MAX_BODY_BYTES}).encode()
    response = client.post("/subjects/s/versions", content=body, headers=CT)
    assert (response.status_code, response.json()["error_code"]) == (413, 413)
    assert f"{len(body):,} bytes" in response.json()["message"]
    assert written(client) == 0


def test_a_streamed_body_over_the_cap_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"schema": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    response = client.post("/subjects/s/versions", content=chunks(), headers=CT)
    assert (response.status_code, response.json()["error_code"]) == (413, 413)
    assert written(client) == 0


def test_a_body_under_the_cap_still_works_through_the_fast_path(client: TestClient) -> None:
    first = client.post("/subjects/s/versions", json={"schema": V1})
    again = client.post("/subjects/s/versions", json={"schema": V1})  # same bytes: answered by the fast path
    assert first.json() == again.json() == {"id": 1}


BIG = "x" * 300_000
SPACED = "x " * 150_000
ECHOES: list[tuple[str, str, str, Any]] = [
    ("level", "PUT", "/config", {"compatibility": BIG}),
    ("level_with_spaces", "PUT", "/config", {"compatibility": SPACED}),
    ("mode", "PUT", "/mode", {"mode": BIG}),
    ("unknown_type", "POST", "/subjects/s/versions", {"schema": BIG}),
    ("bad_default", "POST", "/subjects/s/versions", {"schema": json.dumps(
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": BIG}]})}),
    ("fixed_size", "POST", "/subjects/s/versions", {"schema": json.dumps({"type": "fixed", "name": "F", "size": BIG})}),
    ("schema_type", "POST", "/subjects/s/versions", {"schema": "1", "schemaType": BIG}),
    ("reference_subject", "POST", "/subjects/s/versions",
     {"schema": "1", "references": [{"name": "a", "subject": BIG, "version": 1}]}),
    ("incompatible_name", "POST", "/subjects/s/versions", {"schema": json.dumps(
        {"type": "record", "name": "R" + BIG, "fields": [{"name": "id", "type": "string"}]})}),
    ("subject_in_path", "GET", "/subjects/" + "y" * 50_000 + "/versions", None),
]


@pytest.mark.parametrize(("method", "path", "body"), [pytest.param(*e[1:], id=e[0]) for e in ECHOES])
def test_error_messages_do_not_echo_huge_input(client: TestClient, method: str, path: str, body: Any) -> None:
    client.post("/subjects/s/versions", json={"schema": V1}).raise_for_status()
    response = client.request(method, path, json=body)
    assert 400 <= response.status_code < 500
    message = response.json()["message"]
    assert len(response.content) < 20_000, message[:200]
    assert "more characters" in message
