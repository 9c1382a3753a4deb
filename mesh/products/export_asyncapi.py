"""Data products as an AsyncAPI 3.0 document: pure, from loaded products to a JSON-ready mapping.

    channels     one per product: address = the product topic; Kafka channel binding with partitions
                 and topic configuration (cleanup.policy, retention.ms)
    messages     one per event type: the Avro schema as payload (`schemaFormat` Avro 1.9.0), the
                 CloudEvents Kafka-binding headers as the shared message trait `cloudEvents`, and
                 the Kafka message binding: key schema, schema id in the payload (Confluent framing)
    operations   `receive<Product>` per product: what a consumer of the mesh does with the channel

`tests/unit/products/test_export.py` validates the output against the official AsyncAPI 3.0.0 JSON
Schema (vendored under tests/specs/).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mesh.products.descriptor import event_name
from mesh.products.loader import Product

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
AVRO_SCHEMA_FORMAT = "application/vnd.apache.avro+json;version=1.9.0"
CONTENT_TYPE = "application/avro"
CE_TRAIT = "cloudEvents"

# The CloudEvents Kafka protocol binding, binary mode, as this mesh's SDK writes it.
_CE_HEADERS: dict[str, dict[str, Any]] = {
    "ce_specversion": {"type": "string", "const": "1.0", "description": "CloudEvents specification version."},
    "ce_id": {"type": "string", "description": "Event id, unique per source (a replay keeps it)."},
    "ce_source": {"type": "string", "format": "uri-reference", "description": "The producing system."},
    "ce_type": {"type": "string", "description": "Event type, e.g. com.healthco.claims.ClaimSubmitted.v1."},
    "ce_time": {"type": "string", "format": "date-time", "description": "When the fact happened (RFC 3339)."},
    "ce_subject": {"type": "string", "description": "Optional subject of the event within its source."},
    "ce_dataschema": {"type": "string", "format": "uri-reference",
                      "description": "Optional: the schema the data was written with."},
    "content-type": {"type": "string", "const": CONTENT_TYPE,
                     "description": "Data content type: Avro in the Confluent wire format."},
}


def _message_id(product: Product, event_type: str) -> str:
    return f"{product.id}.{event_name(event_type)}"


def _channel_id(product: Product) -> str:
    return product.id


def _message(product: Product, event_type: str) -> dict[str, Any]:
    schema = product.schema_for(event_type)
    key_doc = f"{product.descriptor.key}, the product's key (UTF-8 string)"
    return {
        "name": event_name(event_type),
        "title": event_type,
        "summary": str(schema.schema.get("doc") or event_type),
        "contentType": CONTENT_TYPE,
        "payload": {"schemaFormat": AVRO_SCHEMA_FORMAT, "schema": json.loads(schema.text)},
        "traits": [{"$ref": f"#/components/messageTraits/{CE_TRAIT}"}],
        "bindings": {"kafka": {
            "key": {"type": "string", "description": key_doc},
            "schemaIdLocation": "payload",
            "schemaIdPayloadEncoding": "confluent",
            "schemaLookupStrategy": "TopicRecordNameStrategy",
            "bindingVersion": KAFKA_BINDING_VERSION,
        }},
        "x-mesh-subject": schema.subject,
        "x-mesh-classification": {
            path: level for path, level in product.descriptor.classification.items()
            if path.split(".")[0] in {f["name"] for f in schema.schema["fields"]}
        },
    }


def _topic_configuration(product: Product) -> dict[str, Any]:
    retention = product.descriptor.retention
    configuration: dict[str, Any] = {"cleanup.policy": retention.cleanup_policy.split(",")}
    if retention.retention_ms is not None:
        configuration["retention.ms"] = retention.retention_ms
    return configuration


def _channel(product: Product) -> dict[str, Any]:
    d = product.descriptor
    return {
        "address": d.topic,
        "title": d.id,
        "description": " ".join(d.description.split()),
        "messages": {
            event_name(t): {"$ref": f"#/components/messages/{_message_id(product, t)}"} for t in d.events
        },
        "bindings": {"kafka": {
            "topic": d.topic,
            "partitions": d.partitions,
            "topicConfiguration": _topic_configuration(product),
            "bindingVersion": KAFKA_BINDING_VERSION,
        }},
        "x-mesh-owner": {"team": d.owner.team, "contact": d.owner.contact},
        "x-mesh-lifecycle": d.lifecycle,
        "x-mesh-freshness-slo": d.freshness_slo,
        "x-mesh-compatibility": d.compatibility,
        "x-mesh-key": d.key,
        "x-mesh-inputs": list(d.inputs),
    }


def _operation(product: Product) -> dict[str, Any]:
    channel = _channel_id(product)
    return {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{channel}"},
        "summary": f"Consume the {product.id} data product.",
        "messages": [{"$ref": f"#/channels/{channel}/messages/{event_name(t)}"} for t in product.descriptor.events],
    }


def _operation_id(product: Product) -> str:
    return "receive" + "".join(part.title() for part in product.id.replace("_", ".").split("."))


def asyncapi(products: Sequence[Product], *, title: str = "healthco data mesh", version: str = "1.0.0",
             bootstrap_servers: str | None = None) -> dict[str, Any]:
    """One AsyncAPI 3.0 document describing `products` (sorted by id); `bootstrap_servers` adds a server."""
    ordered = sorted(products, key=lambda p: p.id)
    document: dict[str, Any] = {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": title,
            "version": version,
            "description": "Data products of the mesh: CloudEvents (Kafka binary mode) with Avro data in the "
                           "Confluent wire format, one topic per product.",
        },
        "defaultContentType": CONTENT_TYPE,
    }
    if bootstrap_servers:
        host = bootstrap_servers.split(",")[0]
        document["servers"] = {"kafka": {"host": host, "protocol": "kafka", "description": "The mesh's Kafka."}}
    document["channels"] = {_channel_id(p): _channel(p) for p in ordered}
    document["operations"] = {_operation_id(p): _operation(p) for p in ordered}
    document["components"] = {
        "messages": {_message_id(p, t): _message(p, t) for p in ordered for t in p.descriptor.events},
        "messageTraits": {CE_TRAIT: {
            "name": CE_TRAIT,
            "title": "CloudEvents 1.0, Kafka protocol binding, binary mode",
            "headers": {"type": "object", "required": ["ce_specversion", "ce_id", "ce_source", "ce_type",
                                                       "ce_time", "content-type"], "properties": _CE_HEADERS},
        }},
    }
    return document
