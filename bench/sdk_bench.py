"""Producer and consumer throughput of the SDK against raw, lean and off-the-shelf baselines.

Run (from the repository root, against a real broker; the registry is MESH_REGISTRY__URL when set,
else confluent-kafka's in-memory mock client, which is fine here because every path looks schemas
up once, off the timed loop):

    MESH_KAFKA__BOOTSTRAP_SERVERS=127.0.0.1:9092 python bench/sdk_bench.py [--events 10000] [--runs 5]

Same event for every path (the ~15-field claim of tests/support/sdk_events.py: decimal amount,
dates, arrays, an enum, an optional nested record), same run, acks=all + idempotence, linger.ms=5.

Produce paths: (a) raw `Producer.produce()` of pre-encoded bytes with pre-built headers (the
ceiling); (b) lean baseline: fastavro encode + framing + headers built per event (uuid4 id,
datetime.now().isoformat() time) + produce; (c) off-the-shelf: cloudevents `to_binary` +
confluent-kafka `AvroSerializer`; (d) our `Producer.publish`.
Consume paths (one topic of v2-written events): (a) raw consume; (b) lean: headers to a dict +
unframe + fastavro decode; (c) cloudevents `from_binary` + `AvroDeserializer`; (d) our `Consumer`
(offset stored per event: at-least-once); (e) ours with a v1 reader schema (schema resolution).
Consumer timing starts at the first message, so group joins are not counted.
Prints events/s min/median/max over the runs and the ratios of medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import time
import timeit
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import confluent_kafka
import fastavro
from cloudevents.v1 import kafka as ce_kafka
from cloudevents.v1.http import CloudEvent
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from mesh import Consumer, MeshSettings, Producer
from mesh.core.naming import value_subject
from mesh.sdk.framing import frame_prefix
from mesh.sdk.producer import UtcClock
from mesh.sdk.schemas import SchemaCache, canonical_text
from mesh.sdk.serde import ValueSerializer
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, SOURCE, claim, claim_v2

PRODUCER_CONF = {"enable.idempotence": True, "acks": "all", "linger.ms": 5, "delivery.report.only.error": True}
CONSUMER_CONF = {"auto.offset.reset": "earliest", "enable.auto.commit": False}
RECORDS = [claim(n, adjudicated=n % 3 != 0) for n in range(100)]
V2_RECORDS = [{k: v for k, v in r.items() if k != "notes"} | {"plan_code": "GOLD"} for r in RECORDS]


class Bench:
    def __init__(self, settings: MeshSettings, registry: SchemaRegistryClient, events: int) -> None:
        self.settings = settings
        self.registry = registry
        self.events = events
        self.kafka = dict(settings.kafka.client_config())
        self.admin = AdminClient(self.kafka)
        self.topics: list[str] = []
        self.run_id = uuid.uuid4().hex[:8]

    def topic(self, name: str) -> str:
        topic = f"bench.sdk.{name}.{self.run_id}.{len(self.topics)}"
        self.admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(30)
        self.topics.append(topic)
        return topic

    def cleanup(self) -> None:
        for future in self.admin.delete_topics(self.topics).values():
            future.result(30)

    def schema_id(self, topic: str, schema: dict[str, Any]) -> int:
        return SchemaCache(client=self.registry).id_for(value_subject(topic), schema, register=True)

    # -- producers: each returns elapsed seconds for self.events events, flush included -----------------
    def _raw_producer(self, topic: str) -> confluent_kafka.Producer:
        """A connected producer: one message delivered first, like ours after its first publish."""
        producer = confluent_kafka.Producer({**self.kafka, **PRODUCER_CONF})
        producer.produce(topic, b"\x00\x00\x00\x00\x00warm-up", "M-1")
        producer.flush(30)
        return producer

    def produce_raw(self) -> float:
        topic = self.topic("raw")
        schema_url = f"{self.settings.registry.url}/schemas/ids/{self.schema_id(topic, CLAIM_V1)}"
        serialize = ValueSerializer(CLAIM_V1, self.schema_id(topic, CLAIM_V1))
        values = [serialize(r) for r in RECORDS]
        headers = _headers(str(uuid.uuid4()), "2026-11-22T00:00:00.000Z", schema_url)
        producer = self._raw_producer(topic)
        produce, n = producer.produce, self.events
        start = time.perf_counter()
        for i in range(n):
            produce(topic, values[i % 100], "M-1", headers=headers)
        producer.flush(60)
        return time.perf_counter() - start

    def produce_lean(self) -> float:
        topic = self.topic("lean")
        schema_id = self.schema_id(topic, CLAIM_V1)
        schema_url = f"{self.settings.registry.url}/schemas/ids/{schema_id}"
        parsed, prefix = fastavro.parse_schema(CLAIM_V1), frame_prefix(schema_id)
        writer = fastavro.schemaless_writer
        producer = self._raw_producer(topic)
        produce, n = producer.produce, self.events
        start = time.perf_counter()
        for i in range(n):
            out = io.BytesIO()
            writer(out, parsed, RECORDS[i % 100])
            headers = _headers(str(uuid.uuid4()), dt.datetime.now(dt.UTC).isoformat(), schema_url)
            produce(topic, prefix + out.getvalue(), "M-1", headers=headers)
        producer.flush(60)
        return time.perf_counter() - start

    def produce_off_the_shelf(self) -> float:
        topic = self.topic("ots")
        schema_id = self.schema_id(topic, CLAIM_V1)
        schema_url = f"{self.settings.registry.url}/schemas/ids/{schema_id}"
        serializer = AvroSerializer(self.registry, canonical_text(CLAIM_V1), conf={"auto.register.schemas": False})
        context = SerializationContext(topic, MessageField.VALUE)
        producer = self._raw_producer(topic)
        produce, n = producer.produce, self.events
        start = time.perf_counter()
        for i in range(n):
            event = CloudEvent({"type": CLAIM_TYPE, "source": SOURCE, "dataschema": schema_url,
                                "datacontenttype": "application/avro", "partitionkey": "M-1"}, RECORDS[i % 100])
            message = ce_kafka.to_binary(event, data_marshaller=lambda data: serializer(data, context))
            produce(topic, message.value, message.key, headers=list(message.headers.items()))
        producer.flush(60)
        return time.perf_counter() - start

    def produce_ours(self) -> float:
        topic = self.topic("ours")
        self.schema_id(topic, CLAIM_V1)
        producer = Producer(topic, CLAIM_V1, source=SOURCE, settings=self.settings, registry=self.registry)
        producer.publish(CLAIM_TYPE, RECORDS[0], key="M-1")  # first use: schema id, client (not timed)
        producer.flush()
        publish, n = producer.publish, self.events
        start = time.perf_counter()
        for i in range(n):
            publish(CLAIM_TYPE, RECORDS[i % 100], key="M-1")
        producer.flush(60)
        elapsed = time.perf_counter() - start
        producer.close()
        return elapsed

    # -- consumers: all read the same v2-written topic ---------------------------------------------------
    def fill(self) -> str:
        topic = self.topic("source")
        self.schema_id(topic, CLAIM_V1)
        with Producer(topic, claim_v2(), source=SOURCE, settings=self.settings, registry=self.registry,
                      auto_register=True) as producer:
            for i in range(self.events):
                producer.publish(CLAIM_TYPE, V2_RECORDS[i % 100], key="M-1")
        return topic

    def _consume(self, topic: str, handle: Callable[[confluent_kafka.Message], object]) -> float:
        consumer = confluent_kafka.Consumer({**self.kafka, **CONSUMER_CONF, "group.id": uuid.uuid4().hex})
        consumer.subscribe([topic])
        seen, start = 0, 0.0
        while seen < self.events:
            batch = consumer.consume(500, 1.0)
            if batch and not start:
                start = time.perf_counter()
            for message in batch:
                handle(message)
            seen += len(batch)
        elapsed = time.perf_counter() - start
        consumer.close()
        return elapsed

    def consume_raw(self, topic: str) -> float:
        return self._consume(topic, lambda m: (m.value(), m.headers(), m.key()))

    def consume_lean(self, topic: str) -> float:
        writers: dict[int, Any] = {}
        reader = fastavro.schemaless_reader

        def handle(message: confluent_kafka.Message) -> object:
            headers: Any = message.headers() or []  # librdkafka gives a list of (str, bytes) pairs
            attrs = {name[3:]: value.decode() for name, value in headers if name.startswith("ce_")}
            value = message.value() or b""
            schema_id = int.from_bytes(value[1:5], "big")
            writer = writers.get(schema_id)
            if writer is None:
                writer = writers[schema_id] = fastavro.parse_schema(SchemaCache(client=self.registry).by_id(schema_id))
            return attrs, reader(io.BytesIO(memoryview(value)[5:]), writer, None)

        return self._consume(topic, handle)

    def consume_off_the_shelf(self, topic: str) -> float:
        deserializer = AvroDeserializer(self.registry)

        def handle(message: confluent_kafka.Message) -> object:
            context = SerializationContext(topic, MessageField.VALUE)
            return ce_kafka.from_binary(
                ce_kafka.KafkaMessage(dict(message.headers() or []), message.key(), message.value() or b""),  # type: ignore[arg-type]
                data_unmarshaller=lambda value: deserializer(value, context),
            )

        return self._consume(topic, handle)

    def consume_ours(self, topic: str, reader: dict[str, Any] | None = None) -> float:
        consumer = Consumer(topic, group_id=uuid.uuid4().hex, settings=self.settings, registry=self.registry,
                            reader_schema=reader, from_beginning=True)
        start = 0.0
        for _event in consumer.events(max_events=self.events):
            if not start:
                start = time.perf_counter()
        elapsed = time.perf_counter() - start
        consumer.close()
        return elapsed


def _headers(event_id: str, time_text: str, schema_url: str) -> list[tuple[str, str | bytes | None]]:
    return [("ce_id", event_id), ("ce_type", CLAIM_TYPE), ("ce_time", time_text), ("ce_specversion", "1.0"),
            ("ce_source", SOURCE), ("ce_dataschema", schema_url), ("content-type", "application/avro")]


_PAIRS = [  # (label, faster path, slower path, target): ratio = slower's time / faster's time, run by run
    ("producer: ours / lean", "(d) mesh Producer.publish", "(b) lean: fastavro + hand-built headers", ">= 1.2"),
    ("producer: ours / off-the-shelf", "(d) mesh Producer.publish", "(c) cloudevents to_binary + AvroSerializer",
     ">= 5"),
    ("consumer: ours / lean", "(d) mesh Consumer (writer schema)", "(b) lean: headers dict + fastavro decode",
     ">= 1.2"),
    ("consumer: ours / off-the-shelf", "(d) mesh Consumer (writer schema)",
     "(c) cloudevents from_binary + AvroDeserializer", ">= 4"),
    ("consumer: writer-schema time / reader-schema time", "(e) mesh Consumer (v1 reader schema)",
     "(d) mesh Consumer (writer schema)", "resolution < 25% extra: > 0.80"),
]


def _stats(name: str, events: int, seconds: list[float]) -> float:
    rates = sorted(events / s for s in seconds)
    median = statistics.median(rates)
    print(f"  {name:<44} {rates[0]:>9,.0f} {median:>9,.0f} {rates[-1]:>9,.0f}   {1e6 / median:7.1f} us/event")
    return median


def _breakdown(bench: Bench) -> None:
    """Where one publish's time goes, measured piece by piece (in-process, no broker round trip)."""
    serialize = ValueSerializer(CLAIM_V1, 1)
    clock, record = UtcClock(), RECORDS[1]
    producer = confluent_kafka.Producer({**bench.kafka, **PRODUCER_CONF, "queue.buffering.max.messages": 2_000_000})
    topic = bench.topic("breakdown")
    value = serialize(record)
    headers = _headers("abc-1", clock.now(), "http://r/schemas/ids/1")
    number = 20000
    parts = {
        "encode + frame (serde)": lambda: serialize(record),
        "id: prefix + counter": lambda: f"abcdef012345-{number}",
        "time: UtcClock.now()": clock.now,
        "header list (7 headers)": lambda: [("ce_id", "a"), ("ce_type", CLAIM_TYPE), ("ce_time", "t"),
                                            *headers[3:]],
        "Producer.produce() with 7 headers": lambda: producer.produce(topic, value, "M-1", headers=headers),
        "naive id: str(uuid4())": lambda: str(uuid.uuid4()),
        "naive time: datetime.now(UTC).isoformat()": lambda: dt.datetime.now(dt.UTC).isoformat(),
    }
    print("\nPer-event pieces (median of 5 x timeit, microseconds):")
    for name, call in parts.items():
        runs = timeit.repeat(call, number=number, repeat=5)
        print(f"  {name:<44} {statistics.median(runs) / number * 1e6:6.2f}")
    producer.flush(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["produce", "consume"], help="time one side only (quicker iterations)")
    args = parser.parse_args()
    settings = MeshSettings.load()
    url = settings.registry.url if "MESH_REGISTRY__URL" in __import__("os").environ else None
    registry = SchemaRegistryClient({"url": url}) if url else SchemaRegistryClient.new_client({"url": "mock://bench"})
    if not url:
        settings = settings.model_copy(update={"registry": settings.registry.model_copy(update={"url": "mock://bench"})})
    print(f"registry: {url or 'confluent-kafka mock client (in memory)'}; broker: {settings.kafka.bootstrap_servers}; "
          f"{args.events} events x {args.runs} runs")
    bench = Bench(settings, registry, args.events)
    produce = {"(a) raw produce, pre-encoded": bench.produce_raw, "(b) lean: fastavro + hand-built headers":
               bench.produce_lean, "(c) cloudevents to_binary + AvroSerializer": bench.produce_off_the_shelf,
               "(d) mesh Producer.publish": bench.produce_ours}
    try:
        source = bench.fill() if args.only != "produce" else ""
        consume: dict[str, Callable[[], float]] = {
            "(a) raw consume": lambda: bench.consume_raw(source),
            "(b) lean: headers dict + fastavro decode": lambda: bench.consume_lean(source),
            "(c) cloudevents from_binary + AvroDeserializer": lambda: bench.consume_off_the_shelf(source),
            "(d) mesh Consumer (writer schema)": lambda: bench.consume_ours(source),
            "(e) mesh Consumer (v1 reader schema)": lambda: bench.consume_ours(source, CLAIM_V1),
        }
        times: dict[str, list[float]] = {name: [] for name in [*produce, *consume]}
        paths = {**({} if args.only == "consume" else produce), **({} if args.only == "produce" else consume)}
        for run in range(args.runs):  # interleaved, so machine noise hits every path alike
            for name, fn in paths.items():
                times[name].append(fn())
            print(f"run {run + 1}/{args.runs} done", file=sys.stderr)
        if args.only != "consume":
            print(f"\n  {'produce (events/s)':<44} {'min':>9} {'median':>9} {'max':>9}")
            p = {name[:3]: _stats(name, args.events, times[name]) for name in produce}
        if args.only != "produce":
            print(f"\n  {'consume (events/s)':<44} {'min':>9} {'median':>9} {'max':>9}")
            c = {name[:3]: _stats(name, args.events, times[name]) for name in consume}
        print("\nPaired ratios (each run's paths ran back to back, so a drift in machine speed cancels out):")
        for label, a, b, target in _PAIRS:
            if a in times and b in times and times[a] and times[b]:
                pairs = sorted(tb / ta for ta, tb in zip(times[a], times[b], strict=True))  # time b / time a
                print(f"  {label:<42} min {pairs[0]:5.2f}  median {statistics.median(pairs):5.2f}  "
                      f"max {pairs[-1]:5.2f}   ({target})")
        print("\nRatios of medians:")
        if args.only != "consume":
            print(f"  producer  ours/lean {p['(d)'] / p['(b)']:.2f} (target >= 1.2)   ours/off-the-shelf "
                  f"{p['(d)'] / p['(c)']:.2f} (target >= 5)   ours/raw {p['(d)'] / p['(a)']:.2f}")
        if args.only != "produce":
            print(f"  consumer  ours/lean {c['(d)'] / c['(b)']:.2f} (target >= 1.2)   ours/off-the-shelf "
                  f"{c['(d)'] / c['(c)']:.2f} (target >= 4)   ours/raw {c['(d)'] / c['(a)']:.2f}")
            print(f"  reader-schema resolution costs {(c['(d)'] / c['(e)'] - 1) * 100:.0f}% extra time (target < 25%)")
        if args.only != "consume":
            _breakdown(bench)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
