"""The producer a domain team publishes events with: CloudEvents in binary mode, Confluent-framed Avro data.

Bound to one topic and one schema. Everything constant per producer is computed once on first use
(schema id, frame prefix, the `ce_specversion`/`ce_source`/`ce_dataschema`/`content-type` headers,
the `ce_type` header of each event type, a random id prefix); per event only the data is encoded and
an id, a time and a header list are put together. Delivery is idempotent with `acks=all`; librdkafka
reports only failed deliveries back (`delivery.report.only.error`), which `flush()` raises as a
`DeliveryError` or hands to `on_delivery_error` one by one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import secrets
import time as _time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

import confluent_kafka
from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.clients import RefusalWatch, watched
from mesh.clients import producer as new_producer
from mesh.core.errors import ConfigurationError, DataValidationError, DeliveryError, KafkaError
from mesh.core.naming import check_event_type, record_subject, value_subject
from mesh.core.settings import MeshSettings
from mesh.sdk.codec.encoding import to_plain
from mesh.sdk.envelope import (
    AVRO_CONTENT_TYPE,
    CONTENT_TYPE_HEADER,
    PARTITIONKEY,
    SPECVERSION,
    check_extension_name,
    format_time,
)
from mesh.sdk.schemas import SchemaCache, SchemaSource, load_schema
from mesh.sdk.serde import ValueSerializer

log = logging.getLogger(__name__)

_Header = tuple[str, str | bytes | None]
ConfigValue = str | int | float | bool
_FLUSH_SLICE_S = 0.5  # flush() waits in slices, to stop early when the broker refused TLS or the login
_DEFAULTS: dict[str, ConfigValue] = {
    "enable.idempotence": True,
    "acks": "all",
    "linger.ms": 5,
    "compression.type": "none",
    "delivery.report.only.error": True,
}


_SERVE_EVERY = 1023  # publish() serves delivery reports every 1024 events (a mask: one AND per event)


class _Model(Protocol):
    def model_dump(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class DeliveryFailure:
    """One event the broker did not acknowledge, and why.

    librdkafka hands back the key and the framed value of a failed message, not its headers, so the
    CloudEvent id is not known here; the value identifies the data (and can be published again).
    """

    topic: str
    key: bytes | None
    value: bytes | None
    reason: str
    retriable: bool


@dataclass(frozen=True, slots=True)
class _Binding:
    """What publishing one event type needs, computed on its first publish."""

    fast: Callable[[Mapping[str, Any]], bytes]  # ValueSerializer.fast: dicts, raises on anything unusual
    serialize: Callable[[Mapping[str, Any]], bytes]  # ValueSerializer.encode: converts, retries, diagnoses
    schema_id: int
    type_header: _Header
    headers: list[_Header]


def _fullname(schema: Mapping[str, Any]) -> str:
    name = str(schema.get("name", ""))
    namespace = schema.get("namespace")
    return name if "." in name or not namespace else f"{namespace}.{name}"


class UtcClock:
    """RFC 3339 UTC timestamps with millisecond precision.

    Formatting is the expensive part, so the text is reused within a millisecond (many events at high
    rates) and the seconds part within a second.
    """

    __slots__ = ("_millis", "_prefix", "_second", "_text")

    def __init__(self) -> None:
        self._millis = -1
        self._second = -1
        self._prefix = ""
        self._text = ""

    def now(self) -> str:
        """The current time, e.g. `2026-11-22T02:19:00.123Z`."""
        millis = _time.time_ns() // 1_000_000
        if millis == self._millis:
            return self._text
        second, fraction = divmod(millis, 1000)
        if second != self._second:
            self._second = second
            self._prefix = _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(second))
        self._millis = millis
        self._text = f"{self._prefix}.{fraction:03d}Z"
        return self._text


class Producer:
    """Publishes events of one topic and schema: `publish(event_type, data, ...)`, then `flush()`.

    `settings` gives the Kafka client config and the registry URL (or pass `registry`, any
    `SchemaRegistryClient`). The schema must be registered under the topic's value subject, or
    `auto_register=True` registers it. Nothing touches the network before the first `publish`.
    """

    def __init__(
        self,
        topic: str,
        schema: SchemaSource | None = None,
        *,
        source: str,
        event_schemas: Mapping[str, SchemaSource] | None = None,
        settings: MeshSettings,
        registry: SchemaRegistryClient | None = None,
        auto_register: bool = False,
        on_delivery_error: Callable[[DeliveryFailure], None] | None = None,
        config: Mapping[str, ConfigValue] | None = None,
        check_types: bool = True,
    ) -> None:
        if not source:
            raise ConfigurationError("A producer needs a non-empty CloudEvents source",
                                     hint="pass source='/claims/intake' or another URI-reference")
        if (schema is None) == (event_schemas is None):
            raise ConfigurationError(
                f"A producer for {topic!r} needs either one `schema` or `event_schemas` (event type -> schema)",
                hint="pass schema=... for a topic bound to one schema, event_schemas=... for a multi-event product",
            )
        self.topic = topic
        self.source = source
        self.schema = load_schema(schema) if schema is not None else None
        # Multi-event products: each event type has its own schema under `<topic>-<record fullname>`.
        self._event_schemas = {t: load_schema(s) for t, s in (event_schemas or {}).items()}
        self._settings = settings
        self._schemas = SchemaCache(client=registry) if registry else SchemaCache(settings=settings.registry)
        self._auto_register = auto_register
        self._on_delivery_error = on_delivery_error
        self._config = dict(config or {})
        self._check_types = check_types
        self._failures: list[DeliveryFailure] = []
        self._sent_since_flush = 0
        self._failed_since_flush = 0
        self._clock = UtcClock()
        self._ids: Iterator[int] = itertools.count(1)
        self._id_prefix = f"{secrets.token_hex(6)}-"
        self._bindings: dict[str, _Binding] = {}
        self._kafka: confluent_kafka.Producer | None = None
        self._refusals = RefusalWatch()
        self._produce: Callable[..., None] = _not_started
        self.schema_id: int | None = None

    # -- first use -------------------------------------------------------------------------------------
    def _start(self) -> None:
        try:
            config = {**_DEFAULTS, **self._config, "on_delivery": self._delivery_report}
            self._refusals = watched(config)  # TLS or login refused: flush() stops at once, naming it
            self._kafka = new_producer(self._settings, config)
        except confluent_kafka.KafkaException as exc:
            raise KafkaError(f"Cannot create a Kafka producer: {exc}", cause=exc,
                             hint="check the producer config and MESH_KAFKA__* settings") from exc
        self._produce = self._kafka.produce

    def _bind(self, event_type: str) -> _Binding:
        """Everything constant for one event type: serializer, schema id, `ce_type` and constant headers."""
        if self._check_types:
            check_event_type(event_type)
        if self.schema is not None:
            schema, subject = self.schema, value_subject(self.topic)
        elif event_type in self._event_schemas:
            schema = self._event_schemas[event_type]
            subject = record_subject(self.topic, _fullname(schema))
        else:
            raise ConfigurationError(
                f"Producer for {self.topic!r} has no schema for event type {event_type!r}",
                hint=f"publish one of {sorted(self._event_schemas)} or add it to the product's events",
            )
        schema_id = self._schemas.id_for(subject, schema, register=self._auto_register)
        if self._kafka is None:
            self._start()
        headers: list[_Header] = [
            ("ce_specversion", SPECVERSION),
            ("ce_source", self.source),
            ("ce_dataschema", self._schemas.schema_url(schema_id)),
            (CONTENT_TYPE_HEADER, AVRO_CONTENT_TYPE),
        ]
        serializer = ValueSerializer(schema, schema_id)
        binding = _Binding(serializer.fast, serializer.encode, schema_id, ("ce_type", event_type), headers)
        self._bindings[event_type] = binding
        if self.schema is not None:
            self.schema_id = schema_id
        log.info("producer for %s ready for %s: schema id %s (subject %s)", self.topic, event_type, schema_id, subject)
        return binding

    # -- hot path --------------------------------------------------------------------------------------
    def publish(
        self,
        event_type: str,
        data: Mapping[str, Any] | _Model,
        *,
        key: str | bytes | None = None,
        subject: str | None = None,
        time: dt.datetime | str | None = None,
        id: str | None = None,
        extensions: Mapping[str, str] | None = None,
    ) -> str:
        """Encode and enqueue one event; returns its CloudEvents id.

        Raises `DataValidationError` (field path, expected type) before anything is sent when `data`
        does not match the schema. `time` defaults to now; the key becomes the `partitionkey`.
        """
        binding = self._bindings.get(event_type) or self._bind(event_type)
        try:
            value = binding.fast(data)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - not a plain dict, a length of 8 KiB+, or bad data: the safe path says
            value = binding.serialize(_as_mapping(data))
        if id is None:
            id = f"{self._id_prefix}{next(self._ids)}"
        headers: list[_Header] = [
            ("ce_id", id),
            binding.type_header,
            ("ce_time", self._clock.now() if time is None else time if isinstance(time, str) else format_time(time)),
        ]
        headers += binding.headers
        if subject is not None:
            headers.append(("ce_subject", subject))
        if extensions:
            key = self._add_extensions(headers, extensions, key)
        try:
            self._produce(self.topic, value, key, headers=headers)
        except BufferError:
            self._wait_for_room(value, key, headers)
        self._sent_since_flush += 1
        if not self._sent_since_flush & _SERVE_EVERY:
            # Serve delivery reports now and then, not only in flush(): a failure reaches
            # on_delivery_error while the service runs, and delivered messages free their memory.
            self._kafka.poll(0)  # type: ignore[union-attr]
        return id

    def _add_extensions(
        self, headers: list[_Header], extensions: Mapping[str, str], key: str | bytes | None
    ) -> str | bytes | None:
        for name, text in extensions.items():
            if name == PARTITIONKEY:
                key = text if key is None else key
                continue
            headers.append(("ce_" + check_extension_name(name), str(text)))
        return key

    def _wait_for_room(self, value: bytes, key: str | bytes | None, headers: list[_Header]) -> None:
        # The local queue is full: serve delivery reports until librdkafka has room again.
        assert self._kafka is not None
        for _ in range(600):
            self._kafka.poll(0.1)
            try:
                self._kafka.produce(self.topic, value, key, headers=headers)
                return
            except BufferError:
                continue
        raise KafkaError(f"The producer queue for {self.topic!r} stayed full for 60 s",
                         hint="check that the broker is reachable; flush() more often")

    # -- delivery reports -------------------------------------------------------------------------------
    def _delivery_report(self, err: confluent_kafka.KafkaError | None, msg: confluent_kafka.Message) -> None:
        if err is None:
            return
        failure = DeliveryFailure(
            topic=msg.topic() or self.topic,
            key=msg.key() if isinstance(msg.key(), bytes) else None,
            value=msg.value() if isinstance(msg.value(), bytes) else None,
            reason=f"{err.name()}: {err.str()}",
            retriable=err.retriable(),
        )
        log.warning("event with key %r to %s not delivered: %s", failure.key, failure.topic, failure.reason)
        self._failed_since_flush += 1
        if self._on_delivery_error is not None:
            self._on_delivery_error(failure)
        else:
            self._failures.append(failure)

    def flush(self, timeout: float = 30.0) -> int:
        """Wait for every queued event; returns how many were delivered since the last flush.

        Raises `DeliveryError` listing each failed event and its reason, including events still queued
        at the timeout; failures already handed to `on_delivery_error` are not raised again. Raises
        `KafkaError` at once, without waiting out `timeout`, when the broker's TLS certificate is not
        trusted or the login is refused while events are still queued (no retry would deliver them).
        """
        if self._kafka is None:
            return 0
        deadline = _time.monotonic() + timeout
        remaining = self._kafka.flush(min(timeout, _FLUSH_SLICE_S))
        while remaining and self._refusals.refused is None and (left := deadline - _time.monotonic()) > 0:
            remaining = self._kafka.flush(min(left, _FLUSH_SLICE_S))
        if remaining:
            self._refusals.raise_if_refused(f"deliver {remaining} event(s) to {self.topic}")
        delivered = self._sent_since_flush - self._failed_since_flush - remaining
        self._sent_since_flush = self._failed_since_flush = 0
        if remaining:
            self._failures.append(
                DeliveryFailure(self.topic, None, None, f"{remaining} event(s) still queued after {timeout} s", True)
            )
        if self._failures:
            failures, self._failures = self._failures, []
            raise DeliveryError([(f.topic, f.key, f.reason) for f in failures])
        return int(delivered)

    def close(self, timeout: float = 30.0) -> int:
        """Flush and release the client; returns how many events the final flush delivered."""
        try:
            return self.flush(timeout)
        finally:
            self._kafka = None
            self._bindings = {}
            self._produce = _not_started
            self._schemas.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.close(timeout=5.0)


def _as_mapping(data: Any) -> Mapping[str, Any]:
    if isinstance(data, Mapping):
        return data
    if hasattr(data, "model_dump"):
        return dict(to_plain(data))  # by alias, enum members as their values: what the schema names
    raise DataValidationError(
        f"Event data must be a mapping or a pydantic model, got {type(data).__name__}",
        hint="pass a dict of field values or a pydantic model instance",
    )


def _not_started(*args: object, **kwargs: object) -> None:
    raise KafkaError("The producer is closed", hint="create a new Producer to publish again")
