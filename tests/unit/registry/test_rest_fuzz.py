"""Whatever arrives, the registry answers a Confluent error body or success: never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.registry.conftest import V1, make_client

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
schema_like = st.one_of(
    json_values.map(json.dumps),
    st.text(max_size=30),
    st.fixed_dictionaries({"type": st.sampled_from(["record", "enum", "array", "map", "fixed", "union", "int"])},
                          optional={"name": st.text(max_size=5), "fields": json_values, "symbols": json_values,
                                    "items": json_values, "values": json_values, "size": json_values,
                                    "namespace": json_values}).map(json.dumps),
)
bodies = st.one_of(
    st.binary(max_size=40),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"schema": schema_like},
                          optional={"references": json_values, "schemaType": json_values, "id": json_values,
                                    "version": json_values, "metadata": json_values}).map(
        lambda d: json.dumps(d).encode()),
)
paths = st.sampled_from([
    ("POST", "/subjects/s/versions"), ("POST", "/subjects/s"), ("POST", "/compatibility/subjects/s/versions/latest"),
    ("POST", "/compatibility/subjects/s/versions"), ("PUT", "/config"), ("PUT", "/config/s"), ("PUT", "/mode/s"),
    ("DELETE", "/subjects/s/versions/latest"), ("GET", "/subjects/s/versions/-1"),
])


@pytest.fixture(scope="module")
def shared_client() -> Iterator[TestClient]:
    with make_client() as c:
        c.put("/config", json={"compatibility": "NONE"})
        c.post("/subjects/s/versions", json={"schema": V1})
        yield c


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=paths, body=bodies)
def test_no_request_gets_a_500(shared_client: TestClient, request: tuple[str, str], body: bytes) -> None:
    method, path = request
    response = shared_client.request(method, path, content=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()) == {"error_code", "message"}
