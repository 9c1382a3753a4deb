"""Nothing a producer can send stops a consumer: every message is handled or lands in `<topic>.dlq`.

The two kinds of poison that once blocked a partition for good (JSON nested 1,100 deep; a value over
1,000,000 bytes the dead-letter producer could not copy) are sent for real, then hypothesis fuzzes the
whole input path on the real broker: random keys, headers and values, sizes up to the broker's limit.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import confluent_kafka
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesh import Consumer, Producer
from mesh.core.naming import dlq_topic
from mesh.core.settings import MeshSettings
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, SOURCE, claim

BROKER_LIMIT = 1_048_588  # message.max.bytes of the broker: one record batch
Raw = tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]


def _send_raw(settings: MeshSettings, topic: str, messages: list[Raw]) -> None:
    raw = confluent_kafka.Producer({**settings.kafka.client_config(), "message.max.bytes": BROKER_LIMIT - 200,
                                    "compression.type": "none", "linger.ms": 0})
    for key, value, headers in messages:
        raw.produce(topic, value, key, headers=headers)
        assert raw.flush(30) == 0


def _sentinel(settings: MeshSettings, topic: str, event_id: str) -> None:
    with Producer(topic, CLAIM_V1, source=SOURCE, settings=settings, auto_register=True) as producer:
        producer.publish(CLAIM_TYPE, claim(1), id=event_id)


def _dead_offsets(settings: MeshSettings, topic: str, group: str) -> dict[int, dict[str, bytes | None]]:
    """Offsets of the original messages found in the DLQ (via mesh_original_offset), with their headers.

    Called after the consumer closed (its dead letters are flushed by then): the DLQ is read from its
    beginning to the end offsets it has now, by assignment (no group to join, no idle wait at the end)."""
    dlq = dlq_topic(topic)
    consumer = confluent_kafka.Consumer({**settings.kafka.client_config(), "group.id": group,
                                         "enable.auto.commit": False})
    found: dict[int, dict[str, bytes | None]] = {}
    try:
        partitions = consumer.list_topics(dlq, timeout=10).topics[dlq].partitions
        ends = {p: consumer.get_watermark_offsets(confluent_kafka.TopicPartition(dlq, p), timeout=10)[1]
                for p in partitions}
        consumer.assign([confluent_kafka.TopicPartition(dlq, p, confluent_kafka.OFFSET_BEGINNING) for p in ends])
        unread = {p for p, end in ends.items() if end > 0}
        deadline = time.monotonic() + 60
        while unread:
            assert time.monotonic() < deadline, f"the DLQ was not read to its end offsets {ends}"
            for message in consumer.consume(500, 1.0):
                if message.error() is not None:
                    continue
                headers = dict(message.headers() or [])
                found[int(headers["mesh_original_offset"] or b"-1")] = headers
                if message.offset() + 1 >= ends[message.partition()]:
                    unread.discard(message.partition())
    finally:
        consumer.close()
    return found


def _consume_until(settings: MeshSettings, topic: str, group: str, sentinel: str) -> list[str]:
    handled: list[str] = []
    with Consumer(topic, group_id=group, settings=settings, from_beginning=True) as consumer:
        for event in consumer.events(idle_timeout=30):
            handled.append(event.id)
            if event.id == sentinel:
                break
    return handled


def test_deep_json_and_a_value_too_large_to_copy_are_dead_lettered_and_consumption_goes_on(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], group_id: str
) -> None:
    topic = make_topic("poison-limits")
    deep = b'{"a":' + b"[" * 1100 + b"]" * 1100 + b"}"
    huge = b"\x07" + b"x" * 1_040_000  # bad magic byte; the dead letter cannot carry it with its headers
    _send_raw(sdk_settings, topic, [(b"deep", deep, []),
                                    (b"huge", huge, [("ce_id", b"big-1"), ("content-type", b"application/avro")])])
    _sentinel(sdk_settings, topic, "after")
    assert _consume_until(sdk_settings, topic, group_id, "after") == ["after"]
    dead = _dead_offsets(sdk_settings, topic, f"{group_id}.check")
    assert sorted(dead) == [0, 1]
    assert b"RecursionError" in (dead[0]["mesh_error"] or b"")
    assert dead[1]["ce_id"] == b"big-1"  # the headers are kept
    assert dead[1]["mesh_truncated"] == b"value"
    headers_size = len(b"ce_id" b"big-1" b"content-type" b"application/avro")
    assert dead[1]["mesh_original_size"] == str(len(huge) + len(b"huge") + headers_size).encode()
    reason = dead[1]["mesh_error"] or b""
    assert reason.startswith(b"Not a CloudEvent") and b"too large for the dead-letter topic; left out: value" in reason


SIZES = st.sampled_from([0, 1, 5, 64, 4096, 300_000, 1_000_050, BROKER_LIMIT - 1000])
VALUES = st.one_of(st.none(), st.binary(max_size=64), SIZES.map(lambda n: bytes([n % 251]) * n),
                   st.builds(lambda p, n: p + b"\xab" * n, st.sampled_from([b"\x00\x00\x00\x00\x01", b"{", b"["]),
                             SIZES))
HEADER_NAMES = st.one_of(st.sampled_from(["ce_id", "ce_type", "ce_source", "ce_specversion", "content-type"]),
                         st.text(min_size=1, max_size=12))
HEADER_VALUES = st.one_of(st.none(), st.binary(max_size=32),
                          st.sampled_from([b"application/avro", b"application/json", b"1.0",
                                           b"application/cloudevents+json"]))
MESSAGES = st.lists(st.tuples(st.one_of(st.none(), st.binary(max_size=16)), VALUES,
                              st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=6)), min_size=1, max_size=6)


def _fits(message: Raw) -> bool:
    key, value, headers = message
    size = len(key or b"") + len(value or b"") + sum(len(n.encode()) + len(v or b"") for n, v in headers)
    return size < BROKER_LIMIT - 1000


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(batch=MESSAGES.map(lambda ms: [m for m in ms if _fits(m)]))
def test_fuzzed_messages_never_stop_the_consumer(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], unique_name: Callable[[str], str], batch: list[Raw]
) -> None:
    token = uuid.uuid4().hex[:6]  # fixtures are per test, not per example: one topic per example
    topic = make_topic(f"fuzz{token}")
    group = unique_name(f"fuzz{token}")
    _send_raw(sdk_settings, topic, batch)
    _sentinel(sdk_settings, topic, "sentinel")
    handled = _consume_until(sdk_settings, topic, group, "sentinel")
    assert handled[-1:] == ["sentinel"]
    dead = _dead_offsets(sdk_settings, topic, f"{group}.check")
    # every fuzzed message was dead-lettered, or (if it happened to be a valid event) handled
    assert len(dead) + len(handled) - 1 == len(batch)
    assert set(dead) <= set(range(len(batch)))
