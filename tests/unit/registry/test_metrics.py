"""The registry's Prometheus `/metrics`: requests (fast path included), latency, compatibility checks."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.unit.registry.conftest import V1, V2_COMPATIBLE, V2_NO_DEFAULT


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def test_requests_are_counted_by_route_and_status_fast_path_included(client: TestClient) -> None:
    schema_id = client.post("/subjects/s/versions", json={"schema": V1}).json()["id"]
    for _ in range(3):
        assert client.get(f"/schemas/ids/{schema_id}").status_code == 200  # answered by the fast path
    assert client.get("/subjects/nope/versions").status_code == 404
    found = samples(client)
    ok = (("method", "GET"), ("route", "/schemas"), ("status", "200"))
    assert found[("mesh_registry_http_requests_total", ok)] == 3
    assert found[("mesh_registry_http_requests_total", (("method", "GET"), ("route", "/subjects"),
                                                        ("status", "404")))] == 1
    assert found[("mesh_registry_http_request_seconds_count", (("method", "GET"), ("route", "/schemas")))] == 3


def test_compatibility_checks_are_counted_with_their_result(client: TestClient) -> None:
    client.post("/subjects/s/versions", json={"schema": V1})
    assert client.post("/compatibility/subjects/s/versions/latest", json={"schema": V2_COMPATIBLE}).json() == {
        "is_compatible": True}
    assert client.post("/subjects/s/versions", json={"schema": V2_NO_DEFAULT}).status_code == 409
    found = samples(client)
    # the first registration is checked too (against an empty history), then the test route
    assert found[("mesh_registry_compatibility_checks_total", (("level", "BACKWARD"), ("result", "compatible")))] == 2
    assert found[("mesh_registry_compatibility_checks_total",
                  (("level", "BACKWARD"), ("result", "incompatible")))] == 1
    assert found[("mesh_registry_compatibility_check_seconds_count", ())] == 3


def test_unknown_paths_share_one_label(client: TestClient) -> None:
    client.get("/a/b/c")
    client.get("/x")
    found = samples(client)
    assert found[("mesh_registry_http_requests_total", (("method", "GET"), ("route", "other"),
                                                        ("status", "404")))] == 2
