"""A Quix Streams app built with mesh.processing reads a product exactly-once: events decoded with the
SDK's reader, poison dead-lettered with the SDK's headers, outputs encoded like the SDK producer's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import confluent_kafka

from mesh import Consumer, Producer
from mesh.core.naming import dlq_topic
from mesh.core.settings import MeshSettings
from mesh.processing.application import DeadLetters, make_application
from mesh.processing.bridge import EventEncoder
from mesh.processing.serdes import EventDeserializer, FramedSerializer, Incoming, Outgoing, keep_headers
from mesh.processing.topics import ensure_topics
from mesh.sdk.dlq import ERROR_CLASS_HEADER, OFFSET_HEADER, TOPIC_HEADER
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, SOURCE, claim

SEEN = {"type": "record", "name": "ClaimSeen", "namespace": "mesh.test",
        "fields": [{"name": "claim_id", "type": "string"}, {"name": "member_id", "type": "string"}]}
SEEN_TYPE = "com.healthco.test.ClaimSeen.v1"


def test_events_flow_through_and_poison_is_dead_lettered(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], group_id: str, tmp_path: Path
) -> None:
    source, output = make_topic("qin", partitions=2), make_topic("qout", partitions=2)
    ensure_topics(sdk_settings, {dlq_topic(source): 2})
    with Producer(source, CLAIM_V1, source=SOURCE, settings=sdk_settings, auto_register=True) as producer:
        for n in range(20):
            producer.publish(CLAIM_TYPE, claim(n), id=f"c-{n}", key=f"k{n}")
    raw = confluent_kafka.Producer(sdk_settings.kafka.client_config())
    offsets: list[int] = []
    raw.produce(source, b"not an event", key=b"k1", partition=1, headers=[("x", b"1")],
                on_delivery=lambda err, msg: offsets.append(msg.offset()))
    raw.flush(30)

    app = make_application(group_id, settings=sdk_settings, state_dir=tmp_path)
    encoder = EventEncoder(output, SEEN, source="/test/seen", settings=sdk_settings, register=True)
    encoder.start()
    dead = DeadLetters(app)

    def seen(incoming: Incoming) -> Outgoing:
        assert incoming.event is not None
        data = incoming.event.data
        value, headers = encoder.encode(SEEN_TYPE, {"claim_id": data["claim_id"], "member_id": data["member_id"]},
                                        time=dt.datetime.now(dt.UTC))
        return Outgoing(value, headers)

    decoder = EventDeserializer(settings=sdk_settings)
    sdf = app.dataframe(app.topic(source, value_deserializer=decoder))
    sdf = sdf.filter(dead.keep, metadata=True).apply(seen).set_headers(keep_headers)
    sdf.to_topic(app.topic(output, value_serializer=FramedSerializer()))
    try:
        app.run(count=20, timeout=30)
    finally:  # their registry clients' sockets, else a ResourceWarning lands in a later test
        encoder.close()
        decoder.close()

    with Consumer(output, group_id=f"{group_id}.check", settings=sdk_settings, from_beginning=True) as consumer:
        events = list(consumer.events(max_events=20, idle_timeout=15))
    assert sorted(e.data["claim_id"] for e in events) == sorted(claim(n)["claim_id"] for n in range(20))
    assert {e.type for e in events} == {SEEN_TYPE}
    assert dead.sent == 1
    dlq = confluent_kafka.Consumer({**sdk_settings.kafka.client_config(), "group.id": f"{group_id}.dlq",
                                    "auto.offset.reset": "earliest"})
    dlq.subscribe([dlq_topic(source)])
    messages = [m for m in dlq.consume(5, 15) if m.error() is None]
    dlq.close()
    assert [(m.key(), m.value(), m.partition()) for m in messages] == [(b"k1", b"not an event", 1)]
    headers = dict(messages[0].headers())
    assert headers["x"] == b"1"
    assert (headers[ERROR_CLASS_HEADER], headers[TOPIC_HEADER], headers[OFFSET_HEADER]) == (
        b"EventFormatError", source.encode(), str(offsets[0]).encode())
