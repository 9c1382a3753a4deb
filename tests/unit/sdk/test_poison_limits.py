"""Poison that once stopped a consumer for good: JSON nested too deep, and messages too large to copy.

Deep nesting made `Consumer.decode` raise RecursionError (not a MeshError, so the loop stopped on the
same message at every restart); it must be a dead-letterable EventFormatError. A value near the broker's
1 MB limit cannot be copied into `<topic>.dlq` with the `mesh_*` headers added: it is dead-lettered as a
reference (`reference_letter`).
"""

from __future__ import annotations

import json

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.core.errors import EventFormatError
from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.sdk.consumer import POISON, Consumer
from mesh.sdk.dlq import MAX_COPY_BYTES, SIZE_HEADER, TRUNCATED_HEADER, message_size, reference_letter
from tests.support.messages import FakeMessage

SETTINGS = MeshSettings(kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1"))
DEEP = ("[" * 1100 + "]" * 1100).encode()
CE = [("ce_id", b"e-1"), ("ce_source", b"/x"), ("ce_specversion", b"1.0"), ("ce_type", b"org.x.Thing.v1")]
STRUCTURED = json.dumps({"specversion": "1.0", "id": "x", "source": "/s", "type": "org.x.T.v1",
                         "data": "@"}).replace('"@"', DEEP.decode()).encode()

SHAPES = {
    "no-headers-json-value": ({"value": b'{"a":' + DEEP + b"}"}),
    "content-type-json": ({"value": DEEP, "headers": [*CE, ("content-type", b"application/json")]}),
    "structured-mode": ({"value": STRUCTURED, "headers": [("content-type", b"application/cloudevents+json")]}),
}


@pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))
def test_json_nested_1100_deep_is_poison_not_a_recursion_error(shape: dict[str, object]) -> None:
    consumer = Consumer("t.deep", group_id="g", settings=SETTINGS,
                        registry=SchemaRegistryClient.new_client({"url": "mock://deep"}))
    message = FakeMessage(topic="t.deep", partition=3, offset=7, **shape)  # type: ignore[arg-type]
    with pytest.raises(EventFormatError, match=r"t\.deep\[3\]@7 cannot be decoded: RecursionError") as caught:
        consumer.decode(message)  # type: ignore[arg-type]
    assert isinstance(caught.value, POISON)
    consumer.close()


def test_reference_letter_leaves_out_the_value_and_keeps_the_headers_that_fit() -> None:
    headers = [("ce_id", b"e-1"), ("huge", b"h" * 950_000), ("ce_type", b"org.x.T.v1")]
    size = message_size(b"k", b"v" * 500_000, headers)
    key, kept, reason = reference_letter(b"k", headers, "bad magic byte", size=size)
    assert key == b"k"
    assert kept[:2] == [("ce_id", b"e-1"), ("ce_type", b"org.x.T.v1")]
    marks = dict(kept[2:])
    assert marks[TRUNCATED_HEADER] == b"value, 1 header(s)"
    assert marks[SIZE_HEADER] == str(size).encode()
    assert reason.startswith("bad magic byte [the original (1450") and "original topic/partition/offset" in reason
    assert message_size(key, None, kept) < MAX_COPY_BYTES


def test_reference_letter_drops_a_huge_key_and_says_so() -> None:
    key, kept, reason = reference_letter(b"k" * 5000, [], "why", size=2_000_000)
    assert key is None
    assert dict(kept)[TRUNCATED_HEADER] == b"value, key"
    assert "left out: value, key;" in reason
