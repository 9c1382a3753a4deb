"""A data product as an Open Data Contract Standard (ODCS) v3 document: pure, product -> JSON-ready mapping.

    id, name, version, status, domain     from the descriptor (status = lifecycle)
    description                           purpose (the product's description) and usage (topic, key, format)
    schema                                one object per event type (physicalType topic), each Avro field a
                                          property: logical and physical type, required, classification, doc,
                                          the key as primaryKey, nested records as nested properties
    team, support                         the owning team and its contact (mailto)
    slaProperties                         freshness (the SLO) and retention
    servers                               the Kafka cluster, when bootstrap servers are known
    customProperties                      topic, partitions, cleanup policy, compatibility, inputs

`tests/unit/products/test_export.py` validates each document against the official ODCS JSON Schema
(vendored under tests/specs/).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mesh.products.descriptor import event_name
from mesh.products.loader import EventSchema, Product

API_VERSION = "v3.2.0"

_PRIMITIVE_LOGICAL = {"string": "string", "bytes": "string", "int": "integer", "long": "integer",
                      "float": "number", "double": "number", "boolean": "boolean", "null": "string"}
_LOGICAL = {"timestamp-millis": "timestamp", "timestamp-micros": "timestamp", "local-timestamp-millis": "timestamp",
            "local-timestamp-micros": "timestamp", "date": "date", "time-millis": "time", "time-micros": "time",
            "decimal": "number", "uuid": "string"}
_DURATION = re.compile(r"^([0-9]+)(ms|s|m|h|d)$")


def _physical(avro: Any) -> str:
    """A short Avro type text: `long (timestamp-millis)`, `bytes (decimal(12,2))`, `array<string>`, `R`."""
    if isinstance(avro, list):
        return " | ".join(_physical(branch) for branch in avro)
    if isinstance(avro, str):
        return avro
    kind = avro.get("type")
    logical = avro.get("logicalType")
    if logical == "decimal":
        return f"{kind} (decimal({avro.get('precision')},{avro.get('scale', 0)}))"
    if logical:
        return f"{kind} ({logical})"
    if kind == "array":
        return f"array<{_physical(avro['items'])}>"
    if kind == "map":
        return f"map<string,{_physical(avro['values'])}>"
    if kind in ("record", "enum", "fixed"):
        return f"{kind} {avro.get('name')}"
    return _physical(kind)


def _property(name: str, avro: Any, classification: Mapping[str, str], path: str, key: str | None,
              doc: str | None) -> dict[str, Any]:
    """One ODCS property for an Avro field (or array item) of type `avro` at dotted `path`."""
    required = True
    if isinstance(avro, list):
        branches = [branch for branch in avro if branch != "null"]
        required = len(branches) == len(avro)
        avro = branches[0] if len(branches) == 1 else avro
    prop: dict[str, Any] = {"name": name, "physicalType": _physical(avro), "required": required}
    if doc:
        prop["description"] = doc
    level = next((classification[p] for p in _enclosing(path) if p in classification), None)
    if level:
        prop["classification"] = level
    if path == key:
        prop["primaryKey"] = True
        prop["primaryKeyPosition"] = 1
    kind = avro.get("type") if isinstance(avro, Mapping) else avro
    logical = avro.get("logicalType") if isinstance(avro, Mapping) else None
    if logical in _LOGICAL:
        prop["logicalType"] = _LOGICAL[logical]
    elif kind == "record":
        prop["logicalType"] = "object"
        prop["properties"] = [_field(f, classification, f"{path}.", key) for f in avro["fields"]]
    elif kind == "array":
        prop["logicalType"] = "array"
        prop["items"] = _item(avro["items"], classification, path)
    elif kind == "map":
        prop["logicalType"] = "map"
        prop["map"] = {"key": {"logicalType": "string", "physicalType": "string"},
                       "value": _item(avro["values"], classification, path)}
    elif kind == "enum":
        prop["logicalType"] = "string"
    elif isinstance(kind, str) and kind in _PRIMITIVE_LOGICAL:
        prop["logicalType"] = _PRIMITIVE_LOGICAL[kind]
    return prop


def _item(avro: Any, classification: Mapping[str, str], path: str) -> dict[str, Any]:
    """An array item or map value: a property without a name."""
    item = _property("item", avro, classification, path, None, None)
    item.pop("name")
    item.pop("required", None)
    return item


def _enclosing(path: str) -> list[str]:
    """`a.b.c` -> [`a.b.c`, `a.b`, `a`]: a classification of an enclosing record covers its fields."""
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _field(field: Mapping[str, Any], classification: Mapping[str, str], prefix: str, key: str | None) -> dict[str, Any]:
    return _property(field["name"], field["type"], classification, f"{prefix}{field['name']}", key, field.get("doc"))


def _schema_object(product: Product, schema: EventSchema) -> dict[str, Any]:
    d = product.descriptor
    return {
        "name": event_name(schema.event_type),
        "physicalName": d.topic,
        "physicalType": "topic",
        "logicalType": "object",
        "businessName": schema.event_type,
        "description": str(schema.schema.get("doc") or schema.event_type),
        "properties": [_field(f, d.classification, "", d.key) for f in schema.schema["fields"]],
        "customProperties": [{"property": "subject", "value": schema.subject},
                             {"property": "avroFullName", "value": schema.fullname}],
    }


def _sla(value: str, prop: str, description: str) -> dict[str, Any]:
    match = _DURATION.match(value)
    if not match:
        return {"property": prop, "value": value, "description": description}
    return {"property": prop, "value": int(match.group(1)), "unit": match.group(2), "description": description}


def odcs(product: Product, *, bootstrap_servers: str | None = None) -> dict[str, Any]:
    """The ODCS v3 data contract of one product."""
    d = product.descriptor
    sla = [_sla(d.freshness_slo, "freshness", "How stale the newest event may be.")]
    if d.retention.retention is not None:
        sla.append(_sla(d.retention.retention, "retention", "How long events are kept on the topic."))
    document: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "DataContract",
        "id": d.id,
        "name": d.id,
        "version": f"{d.version}.0.0",
        "status": d.lifecycle,
        "domain": d.domain,
        "dataProduct": d.id,
        "description": {
            "purpose": " ".join(d.description.split()),
            "usage": f"Consume topic {d.topic} (key {d.key}): CloudEvents in Kafka binary mode, Avro data in the "
                     "Confluent wire format; decode with the schema registry.",
        },
        "schema": [_schema_object(product, schema) for schema in product.schemas],
        "team": {"name": d.owner.team, "members": [{"username": d.owner.contact, "role": "owner"}]},
        "support": [{"channel": "email", "tool": "email", "url": f"mailto:{d.owner.contact}"}],
        "slaProperties": sla,
        "customProperties": [
            {"property": "topic", "value": d.topic},
            {"property": "partitions", "value": d.partitions},
            {"property": "cleanupPolicy", "value": d.retention.cleanup_policy},
            {"property": "compatibility", "value": d.compatibility},
            {"property": "kind", "value": d.kind},
            {"property": "inputs", "value": list(d.inputs)},
        ],
    }
    if bootstrap_servers:
        document["servers"] = [{"server": "kafka", "type": "kafka", "host": bootstrap_servers,
                                "format": "avro", "environment": d.namespace}]
    return document
