"""`mesh demo`: the main job. For now the smallest real thing: broker up, a topic, events through it."""

from __future__ import annotations

import time
import uuid

import typer
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]
from rich.console import Console
from rich.table import Table

from mesh.core.errors import DeliveryError, KafkaError
from mesh.core.settings import MeshSettings
from mesh.kafka.runner import LocalBroker

_out = Console(highlight=False, soft_wrap=True)


def demo(
    keep_running: bool = typer.Option(False, "--keep-running", help="Leave the broker running afterwards."),
    messages: int = typer.Option(5, min=1, max=100_000, help="How many messages to send through."),
) -> None:
    """Start Kafka (or use MESH_KAFKA__BOOTSTRAP_SERVERS), create a topic, produce and consume, report."""
    settings = MeshSettings.load()
    broker: LocalBroker | None = None
    bootstrap = settings.kafka.bootstrap_servers
    if not bootstrap:
        broker = LocalBroker(settings.local_broker)
        began = time.monotonic()
        started = broker.ensure_running()
        bootstrap = broker.settings.bootstrap
        _out.print(f"Kafka {'started' if started else 'already running'} at {bootstrap} ({time.monotonic() - began:.1f}s)")
        if not started:
            broker = None  # not ours to stop
    try:
        _round_trip(settings, bootstrap, messages)
    finally:
        if broker is not None and not keep_running:
            broker.stop()
            _out.print("Kafka stopped")
        elif broker is not None:
            _out.print(f"Kafka keeps running at {bootstrap}; stop it with `.venv/bin/mesh kafka stop`")


def _round_trip(settings: MeshSettings, bootstrap: str, count: int) -> None:
    conf = settings.kafka.client_config(bootstrap)
    topic = f"test.demo.hello.v1.{uuid.uuid4().hex[:8]}"
    admin = AdminClient(conf)
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(30)
    producer = Producer({**conf, "enable.idempotence": True, "acks": "all"})
    failures: list[tuple[str, bytes | str | None, str]] = []

    def on_delivery(err: object, msg: object) -> None:
        if err is not None:
            failures.append((topic, None, str(err)))

    began = time.monotonic()
    for i in range(count):
        producer.produce(topic, key=f"member-{i}".encode(), value=f"hello #{i}".encode(), on_delivery=on_delivery)
    producer.flush(30)
    if failures:
        raise DeliveryError(failures)
    consumer = Consumer({**conf, "group.id": f"demo-{topic}", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    table = Table("partition", "offset", "key", "value", title=f"Consumed from {topic}")
    got = 0
    deadline = time.monotonic() + 30
    try:
        while got < count and time.monotonic() < deadline:
            for msg in consumer.consume(count - got, timeout=1.0):
                if msg.error():
                    raise KafkaError(f"Consuming {topic} failed: {msg.error()}", cause=msg.error())
                table.add_row(str(msg.partition()), str(msg.offset()), (msg.key() or b"").decode(), (msg.value() or b"").decode())
                got += 1
    finally:
        consumer.close()
        admin.delete_topics([topic])
    if got < count:
        raise KafkaError(f"Only {got} of {count} messages came back from {topic} within 30s")
    if count <= 50:
        _out.print(table)
    _out.print(f"{count} messages produced (acks=all, idempotent) and consumed back in {time.monotonic() - began:.2f}s")
