"""The registry's log on Kafka: the compacted, single-partition `_schemas` topic.

One background thread consumes the partition from its start and hands each record to the event loop,
which applies it to the state in log order. `open` returns once the end of the log (as it was at
start) has been applied, so the server answers nothing before it has caught up. `append` produces
with acks=all and idempotence, tagging the message with a token header, and returns the outcome of
applying that very message when this instance consumes it: a consumer only sees messages below the
high watermark, so consuming it means Kafka acknowledged it on every in-sync replica.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Message, Producer, TopicPartition
from confluent_kafka import KafkaError as ClientError

from mesh.clients import TopicAdmin, TopicSpec
from mesh.clients import admin as new_admin
from mesh.clients import consumer as new_consumer
from mesh.clients import producer as new_producer
from mesh.core.errors import ConfigurationError, KafkaError
from mesh.core.settings import KafkaSettings
from mesh.registry.errors import StoreError, StoreTimeoutError
from mesh.registry.records import Record, decode, encode
from mesh.registry.state import Outcome
from mesh.registry.store import Applier

log = logging.getLogger(__name__)

TOKEN_HEADER = "mesh-registry-token"
Batch = list[tuple[Record | None, str | None]]


class KafkaLog:
    """The `_schemas` topic as a `RecordLog`; created (compacted, 1 partition) if missing."""

    def __init__(
        self,
        *,
        kafka: KafkaSettings,
        topic: str,
        group_id: str,
        bootstrap_servers: str | None = None,
        write_timeout_s: float = 15.0,
        ready_timeout_s: float = 120.0,
    ) -> None:
        self._conf = kafka.client_config(bootstrap_servers)
        self._topic = topic
        self._group_id = group_id
        self._write_timeout_s = write_timeout_s
        self._ready_timeout_s = ready_timeout_s
        self._pending: dict[str, asyncio.Future[Outcome]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._producer: Producer | None = None
        self._consumer: Consumer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._apply: Applier | None = None
        self._caught_up: asyncio.Event | None = None

    @property
    def topic(self) -> str:
        return self._topic

    async def open(self, apply: Applier) -> None:
        """Create the topic if needed, replay it, and return once caught up."""
        self._loop = asyncio.get_running_loop()
        self._apply = apply
        self._caught_up = asyncio.Event()
        await self._loop.run_in_executor(None, self._ensure_topic)
        self._producer = new_producer(self._conf, {"acks": "all", "enable.idempotence": True, "linger.ms": 0})
        self._consumer = new_consumer(
            self._conf,
            group_id=self._group_id,  # never joined: the partition is assigned, offsets never committed
            config={
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "fetch.wait.max.ms": 100,
            }
        )
        self._consumer.assign([TopicPartition(self._topic, 0, OFFSET_BEGINNING)])
        self._thread = threading.Thread(target=self._run, name=f"registry-log-{self._topic}", daemon=True)
        self._thread.start()
        try:
            await asyncio.wait_for(self._caught_up.wait(), self._ready_timeout_s)
        except TimeoutError as exc:
            await self.close()
            raise KafkaError(
                f"Could not replay topic {self._topic!r} within {self._ready_timeout_s:.0f} s",
                hint="check that the brokers are reachable and the topic is readable",
            ) from exc

    async def append(self, record: Record) -> Outcome:
        """Produce `record` and wait until this instance has applied it."""
        if self._producer is None or self._loop is None:
            raise StoreError("The _schemas log is not open", hint="start the registry before writing")
        token = uuid.uuid4().hex
        future: asyncio.Future[Outcome] = self._loop.create_future()
        self._pending[token] = future
        key, value = encode(record)
        loop = self._loop

        def delivered(err: ClientError | None, _msg: Message) -> None:
            if err is not None:
                loop.call_soon_threadsafe(self._fail, token, str(err))

        try:
            self._producer.produce(self._topic, value=value, key=key, headers=[(TOKEN_HEADER, token.encode())],
                                   on_delivery=delivered)
            return await asyncio.wait_for(future, self._write_timeout_s)
        except (KafkaException, BufferError) as exc:
            raise StoreError(f"Could not write to topic {self._topic!r}: {exc}", hint="check the brokers") from exc
        except TimeoutError as exc:
            raise StoreTimeoutError(
                f"Kafka did not confirm the write to {self._topic!r} within {self._write_timeout_s:.0f} s",
                hint="check the brokers, then retry; the change may still appear",
            ) from exc
        finally:
            self._pending.pop(token, None)

    async def close(self) -> None:
        """Stop the consumer thread and flush the producer."""
        self._stop.set()
        if self._thread is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 10.0)
            self._thread = None
        if self._producer is not None:
            self._producer.flush(5.0)
            self._producer = None
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None

    # ---- background thread ------------------------------------------------------------------------

    def _ensure_topic(self) -> None:
        # log_level 4: librdkafka's info line about purging its background queue on exit is noise
        topics = TopicAdmin(new_admin(self._conf, {"log_level": 4}), timeout_s=30)
        existing = topics.partitions([self._topic])
        if self._topic in existing:
            if existing[self._topic] != 1:
                raise ConfigurationError(
                    f"Topic {self._topic!r} has {existing[self._topic]} partitions; the registry needs exactly 1",
                    hint="point MESH_REGISTRY__SCHEMAS_TOPIC at a single-partition compacted topic",
                )
            return
        topics.create([TopicSpec(self._topic, 1, config={"cleanup.policy": "compact"})], tolerate_existing=True)

    def _run(self) -> None:
        assert self._consumer is not None and self._producer is not None and self._loop is not None
        while not self._stop.is_set():
            try:
                messages = take(self._consumer)
                self._producer.poll(0)
            except (KafkaException, RuntimeError) as exc:  # RuntimeError: closed while stopping
                if not self._stop.is_set():
                    log.warning("consuming %s failed: %s", self._topic, exc)
                continue
            batch: Batch = []
            eof = False
            for message in messages:
                error = message.error()
                if error is not None:
                    if error.code() == ClientError._PARTITION_EOF:
                        eof = True
                    else:
                        log.warning("error reading %s: %s", self._topic, error)
                    continue
                batch.append((decode(message.key(), message.value()), _token(message)))
            if batch or eof:
                try:
                    self._loop.call_soon_threadsafe(self._deliver, batch, eof)
                except RuntimeError:  # the loop closed under us: we are shutting down
                    return

    def _deliver(self, batch: Batch, eof: bool) -> None:
        # on the event loop: the only place the state changes, one record at a time, in log order
        assert self._apply is not None and self._caught_up is not None
        for record, token in batch:
            outcome = self._apply(record) if record is not None else Outcome(False, "unreadable record")
            future = self._pending.get(token) if token else None
            if future is not None and not future.done():
                future.set_result(outcome)
        if eof:
            self._caught_up.set()

    def _fail(self, token: str, reason: str) -> None:
        future = self._pending.get(token)
        if future is not None and not future.done():
            future.set_exception(StoreError(f"Kafka refused the write to {self._topic!r}: {reason}"))


def take(consumer: Consumer) -> list[Message]:
    """The messages buffered now: `poll` waits up to 50 ms for the first, `consume(timeout=0)` drains the rest.

    (consume with a timeout would wait the whole timeout for a full batch.) The first message is
    tested with `is None`, never for truth: a Message's length is its value's, so a tombstone is falsy.
    """
    first = consumer.poll(0.05)
    if first is None:
        return []
    return [first, *consumer.consume(num_messages=500, timeout=0)]


def _token(message: Message) -> str | None:
    headers: Any = message.headers() or ()
    for name, value in headers:
        if name == TOKEN_HEADER and value is not None:
            return bytes(value).decode()
    return None
