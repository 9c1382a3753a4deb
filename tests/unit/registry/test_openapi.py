"""The registry serves an accurate OpenAPI document: request bodies, the Confluent error body, content type."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from mesh.registry.fastpath import CONTENT_TYPE

WRITES = [("post", "/subjects/{subject}/versions", "schema"), ("post", "/subjects/{subject}", "schema"),
          ("put", "/config", "compatibility"), ("put", "/config/{subject}", "compatibility"),
          ("put", "/mode", "mode"), ("put", "/mode/{subject}", "mode"),
          ("post", "/compatibility/subjects/{subject}/versions", "schema"),
          ("post", "/compatibility/subjects/{subject}/versions/{version}", "schema")]


def document(client: TestClient) -> Any:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_body_taking_route_documents_its_body(client: TestClient) -> None:
    paths = document(client)["paths"]
    for method, path, field in WRITES:
        body = paths[path][method]["requestBody"]
        assert body["required"] is True
        for media in (CONTENT_TYPE, "application/json"):
            schema = body["content"][media]["schema"]
            assert field in schema["properties"], (method, path)
            assert "$ref" not in str(schema)  # stands alone


def test_errors_are_documented_as_the_confluent_body_not_fastapis(client: TestClient) -> None:
    doc = document(client)
    assert "HTTPValidationError" not in str(doc)
    for path, operations in doc["paths"].items():
        if path in ("/", "/metrics", "/openapi.json"):
            continue
        for method, operation in operations.items():
            for status in ("404", "422", "500"):
                error = operation["responses"][status]["content"][CONTENT_TYPE]["schema"]
                assert error["required"] == ["error_code", "message"], (method, path, status)
            assert CONTENT_TYPE in operation["responses"]["200"]["content"], (method, path)


def test_the_documented_schema_body_is_what_the_route_accepts(client: TestClient) -> None:
    schema = document(client)["paths"]["/subjects/{subject}/versions"]["post"]["requestBody"]["content"][
        CONTENT_TYPE]["schema"]
    assert schema["required"] == ["schema"]
    assert set(schema["properties"]) >= {"schema", "schemaType", "references", "metadata", "ruleSet", "id", "version"}
    body = {"schema": '"string"', "references": []}
    assert client.post("/subjects/s/versions", json=body).status_code == 200
