"""Tiny Avro schemas built in code for the governance tests (no files under schemas/)."""

from __future__ import annotations

import json
from typing import Any

NAMESPACE = "mesh.claims"


def field(name: str, avro_type: Any = "string", **extra: Any) -> dict[str, Any]:
    """One record field."""
    return {"name": name, "type": avro_type, **extra}


def record(name: str, *fields: dict[str, Any], namespace: str | None = NAMESPACE, **extra: Any) -> str:
    """A record schema as JSON text."""
    document: dict[str, Any] = {"type": "record", "name": name, "fields": list(fields), **extra}
    if namespace is not None:
        document["namespace"] = namespace
    return json.dumps(document)


CLAIM_V1 = record("ClaimSubmitted", field("claim_id"), field("amount", "double"))
CLAIM_WITH_DEFAULT = record(
    "ClaimSubmitted", field("claim_id"), field("amount", "double"), field("currency", default="USD")
)
CLAIM_WITHOUT_DEFAULT = record("ClaimSubmitted", field("claim_id"), field("amount", "double"), field("currency"))
