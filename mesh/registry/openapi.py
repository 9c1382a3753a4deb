"""The registry's OpenAPI document: what FastAPI derives from the routes, made accurate.

Routes read their bodies by hand (models.parse_body) so a bad body answers with the Confluent error
body; FastAPI therefore cannot see them. `body` documents each request body from its pydantic model,
and `ERRORS` documents the error answers (`{"error_code", "message"}`, never FastAPI's own 422 shape)
on every route. Served at /openapi.json; `make fuzz-registry` and a test run schemathesis against it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from mesh.registry.limits import MAX_BODY_BYTES

MEDIA_TYPES = ("application/vnd.schemaregistry.v1+json", "application/json")

ERROR_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["error_code", "message"],
    "properties": {
        "error_code": {"type": "integer", "description": "Confluent error code, e.g. 40401 subject not found"},
        "message": {"type": "string", "description": "What was wrong and how to fix it"},
    },
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {m: {"schema": ERROR_BODY} for m in MEDIA_TYPES}}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("The body is not JSON"),
    404: _error("No such subject, version, schema id or route (40401-40409, 404)"),
    405: _error("Method not allowed"),
    409: _error("Incompatible schema"),
    413: _error(f"Request body over {MAX_BODY_BYTES:,} bytes"),
    422: _error("Invalid schema, version, level or mode, or a body of the wrong shape (422, 42201-42207)"),
    500: _error("The registry could not write to its Kafka log (50001, 50002)"),
}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """`node` with every local `$ref` to `$defs` replaced by its definition (request bodies stand alone)."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _inline(defs[ref.removeprefix("#/$defs/")], defs)
    return {key: _inline(value, defs) for key, value in node.items() if key != "$defs"}


def body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting a required JSON request body of `model` (by its aliases)."""
    schema = model.model_json_schema(by_alias=True)
    inlined = _inline(schema, schema.get("$defs", {}))
    content = {media: {"schema": inlined} for media in MEDIA_TYPES}
    return {"requestBody": {"required": True, "content": content}}
