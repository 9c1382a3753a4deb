"""The consumer a domain team subscribes to data products with: CloudEvents in, decoded data out.

Reads binary-mode events (and structured-mode ones from other tools), decodes data with the writer's
schema from the registry (cached by id) resolved to the consumer's reader schema when it gives one.
At-least-once: an event's offset is stored only after the handler returned (or the loop body of
`for event in consumer.events()` finished) and committed by librdkafka's auto-commit and on close.
A message that cannot be handled goes to `<topic>.dlq` with the reason (see `mesh.sdk.dlq`), and
consumption continues. Transient failures (registry or broker unreachable) raise instead: dead-lettering
every message during an outage would be wrong. A broker whose TLS certificate is not trusted, or that
refuses the login, stops the loop at once with one `KafkaError` naming the setting to fix.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing
from types import TracebackType
from typing import Any, Self

import confluent_kafka
from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.clients import RefusalWatch, kafka_error, watched
from mesh.clients import consumer as new_consumer
from mesh.core.errors import DeliveryError, KafkaError
from mesh.core.settings import MeshSettings
from mesh.sdk.dlq import DeadLetterQueue
from mesh.sdk.envelope import Event
from mesh.sdk.reader import POISON, EventReader
from mesh.sdk.schemas import SchemaCache, SchemaSource, load_schema
from mesh.sdk.serde import ValueDeserializer

log = logging.getLogger(__name__)

ConfigValue = str | int | float | bool
Handler = Callable[[Event], object]
_IGNORED_ERRORS = frozenset({confluent_kafka.KafkaError._PARTITION_EOF})


_REFUSED = frozenset({
    confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED,
    confluent_kafka.KafkaError.GROUP_AUTHORIZATION_FAILED,
    confluent_kafka.KafkaError.SASL_AUTHENTICATION_FAILED,
    confluent_kafka.KafkaError._AUTHENTICATION,
})


class Consumer:
    """Consumes CloudEvents from one or more topics in a consumer group.

    `for event in consumer.events(): ...` or `consumer.run(handler)`. `reader_schema` (mapping, JSON
    text or .avsc path) makes every event's data reader-shaped whatever compatible schema wrote it.
    `dead_letter_handler_errors=True` dead-letters events whose handler raised instead of stopping.
    Nothing touches the network before the first event is asked for.
    """

    def __init__(
        self,
        topics: str | Sequence[str],
        *,
        group_id: str,
        settings: MeshSettings,
        reader_schema: SchemaSource | None = None,
        registry: SchemaRegistryClient | None = None,
        from_beginning: bool = False,
        dead_letter_handler_errors: bool = False,
        config: Mapping[str, ConfigValue] | None = None,
        batch_size: int = 500,
        poll_timeout: float = 0.5,
    ) -> None:
        self.topics = [topics] if isinstance(topics, str) else list(topics)
        self.group_id = group_id
        self._settings = settings
        self._schemas = SchemaCache(client=registry) if registry else SchemaCache(settings=settings.registry)
        reader = load_schema(reader_schema) if reader_schema is not None else None
        self._reader = EventReader(ValueDeserializer(self._schemas.by_id, reader_schema=reader))
        self._from_beginning = from_beginning
        self._dead_letter_handler_errors = dead_letter_handler_errors
        self._config = dict(config or {})
        self._batch_size = batch_size
        self._poll_timeout = poll_timeout
        self._kafka: confluent_kafka.Consumer | None = None
        self._refusals = RefusalWatch()
        # the stream of the latest events()/run(), weakly: a loop that lets go of it settles it at once
        self._open: weakref.ref[Generator[tuple[Any, Event], None, None]] | None = None
        self.dead_letters = DeadLetterQueue(settings=settings)

    def _client(self) -> confluent_kafka.Consumer:
        if self._kafka is None:
            conf: dict[str, ConfigValue] = {
                "enable.auto.commit": True,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest" if self._from_beginning else "latest",
                **self._config,
            }
            self._refusals = watched(conf)  # TLS or login refused: the loop stops at once, naming it
            try:
                kafka = new_consumer(self._settings, group_id=self.group_id, config=conf)
                kafka.subscribe(self.topics)
            except confluent_kafka.KafkaException as exc:
                raise KafkaError(f"Cannot subscribe to {', '.join(self.topics)}: {exc}", cause=exc,
                                 hint="check the consumer config and MESH_KAFKA__* settings") from exc
            self._kafka = kafka
        return self._kafka

    # -- decoding -----------------------------------------------------------------------------------------
    def decode(self, message: confluent_kafka.Message) -> Event:
        """The Event of one Kafka message; a MeshError in `POISON` when it cannot be one."""
        return self._reader.read(message.value(), message.headers(), key=message.key(), topic=message.topic(),
                                 partition=message.partition(), offset=message.offset())

    # -- the loop ---------------------------------------------------------------------------------------
    def _stream(self, max_events: int | None, idle_timeout: float | None) -> Generator[tuple[Any, Event], None, None]:
        """(message, event) pairs; poison messages are dead-lettered on the way.

        Offsets are stored per batch, not per event (one librdkafka call per partition instead of one per
        event): when a batch is done, and when the stream is closed early (the caller's loop left with
        `break` or an exception), for exactly the messages whose turn had finished. The message being
        handled at that moment is not stored, so the group sees it again (at-least-once).
        """
        kafka = self._client()
        produced = 0
        idle_since = time.monotonic()
        while max_events is None or produced < max_events:
            # Never fetch past max_events: what is fetched is handled (or dead-lettered) in this call.
            size = self._batch_size if max_events is None else min(self._batch_size, max_events - produced)
            batch = kafka.consume(size, self._poll_timeout)
            if not batch:
                self._refusals.raise_if_refused(f"consume {', '.join(self.topics)} in group {self.group_id!r}")
                if idle_timeout is not None and time.monotonic() - idle_since >= idle_timeout:
                    return
                continue
            idle_since = time.monotonic()
            finished = 0
            try:
                for message in batch:
                    error = message.error()
                    if error is not None:
                        self._client_error(error)
                    else:
                        try:
                            event = self.decode(message)
                        except POISON as exc:
                            self.dead_letters.send(message, exc, wait=False)  # flushed before offsets are stored
                        else:
                            yield message, event
                            produced += 1
                    finished += 1
            finally:
                self._settle(kafka, batch, finished)

    def _client_error(self, error: confluent_kafka.KafkaError) -> None:
        if error.code() in _IGNORED_ERRORS:
            return
        if error.code() in _REFUSED:
            # not transient: retrying would only hang; say who was refused what
            raise kafka_error(f"consume {', '.join(self.topics)} in group {self.group_id!r}",
                              confluent_kafka.KafkaException(error))
        if error.fatal() or error.code() == confluent_kafka.KafkaError.UNKNOWN_TOPIC_OR_PART:
            raise KafkaError(f"Consuming {', '.join(self.topics)} failed: {error.str()}", cause=error,
                             hint="check that the topics exist and the broker is reachable")
        log.warning("consumer error (librdkafka retries): %s", error.str())

    def events(self, *, max_events: int | None = None, idle_timeout: float | None = None) -> Iterator[Event]:
        """Yield events; each one's offset is stored once the loop body that received it has finished.

        Stops after `max_events` events or when nothing arrived for `idle_timeout` seconds (both
        optional: by default it runs until the caller stops iterating). An event whose loop body left
        with `break` or an exception is not stored, so the group sees it again (at-least-once); the
        finished ones are stored as soon as the loop lets go of the iterator (or at the next
        `events()`/`run()`, or `close()`, if it is still held).
        """
        return map(_event_of, self._open_stream(max_events, idle_timeout))

    def __iter__(self) -> Iterator[Event]:
        return self.events()

    def run(self, handler: Handler, *, max_events: int | None = None, idle_timeout: float | None = None) -> int:
        """Call `handler` for each event and store its offset after it returns; returns how many it handled.

        A handler exception stops the loop (the event is redelivered later) unless the consumer was
        built with `dead_letter_handler_errors=True`, which dead-letters it and continues.
        """
        handled = 0
        stream = self._open_stream(max_events, idle_timeout)
        with closing(stream):
            for message, event in stream:
                try:
                    handler(event)
                except Exception as exc:
                    if not self._dead_letter_handler_errors:
                        raise
                    self.dead_letters.send(message, exc, wait=False)
                else:
                    handled += 1
        return handled

    def _settle(self, kafka: confluent_kafka.Consumer, batch: list[Any], finished: int) -> None:
        """End of a batch, or of a stream stopped early: dead letters first, then offsets (see `_stream`)."""
        try:
            self.dead_letters.flush()  # this batch's dead letters are on the broker before any offset moves
        except DeliveryError:
            _rewind(kafka, batch, 0)  # nothing of this batch is stored: all of it comes again
            raise
        _store(kafka, batch, finished)
        _rewind(kafka, batch, finished)

    def _open_stream(self, max_events: int | None, idle_timeout: float | None) -> Generator[tuple[Any, Event], None, None]:
        """A new stream, after settling the previous one; held weakly (a loop that drops it settles it)."""
        self._close_open()
        stream = self._stream(max_events, idle_timeout)
        self._open = weakref.ref(stream)
        return stream

    def _close_open(self) -> None:
        """Settle a stream its caller left open (after `break`): store what finished, rewind the rest."""
        stream = self._open() if self._open is not None else None
        self._open = None
        if stream is not None:
            stream.close()

    def commit(self) -> None:
        """Commit the stored offsets now (auto-commit also does, every few seconds and on close)."""
        if self._kafka is not None:
            try:
                self._kafka.commit(asynchronous=False)
            except confluent_kafka.KafkaException as exc:
                if exc.args[0].code() != confluent_kafka.KafkaError._NO_OFFSET:
                    raise KafkaError(f"Commit failed: {exc}", cause=exc, hint="the events will be redelivered") from exc

    def close(self) -> None:
        """Commit stored offsets, leave the group and release the clients."""
        self._close_open()
        if self._kafka is not None:
            try:
                self.commit()
            finally:
                self._kafka.close()
                self._kafka = None
        self.dead_letters.close()
        self._schemas.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _event_of(pair: tuple[Any, Event]) -> Event:
    return pair[1]


def _store(kafka: confluent_kafka.Consumer, batch: list[Any], finished: int) -> None:
    """Store the offsets of batch[:finished]: the last finished message of each partition."""
    last: dict[tuple[str, int], Any] = {}
    for message in batch[:finished] if finished < len(batch) else batch:
        if message.error() is None:
            last[(message.topic(), message.partition())] = message
    for message in last.values():
        kafka.store_offsets(message=message)


def _rewind(kafka: confluent_kafka.Consumer, batch: list[Any], finished: int) -> None:
    """Seek each partition of batch[finished:] back to its first message there, so that a later
    `events()` on this consumer sees it again instead of skipping to the next fetched batch."""
    rewound: set[tuple[str, int]] = set()
    for message in batch[finished:]:
        where = (message.topic(), message.partition())
        if message.error() is None and where not in rewound:
            rewound.add(where)
            try:
                kafka.seek(confluent_kafka.TopicPartition(where[0], where[1], message.offset()))
            except confluent_kafka.KafkaException as exc:  # partition revoked meanwhile: the group re-reads it
                log.info("could not rewind %s [%s] to %s: %s", where[0], where[1], message.offset(), exc)

