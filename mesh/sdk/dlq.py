"""Dead letters: a message the consumer cannot handle goes to `<topic>.dlq`, unchanged, with the reason.

The original key, value and headers are kept byte for byte; `mesh_*` headers say why and where from.
A dead letter is on the broker before the original message's offset is stored (`send` waits, or
`send(..., wait=False)` and then `flush()` before storing), so a message is either handled,
dead-lettered, or (when even that fails) redelivered: never dropped silently. The DLQ topic
is created on first use when it does not exist (same partition count as the original topic).

A message too large to be copied (its value near the broker's 1 MB limit, or a topic whose limit is
lower) is dead-lettered as a reference: no value, the headers that fit, the reason, and
`mesh_original_topic/partition/offset/size` to find the original. So every message ends up handled or
in the DLQ, and nothing a producer can send stops a consumer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import confluent_kafka

from mesh.clients import TopicAdmin, TopicSpec, producer
from mesh.core.errors import DeliveryError, KafkaError
from mesh.core.naming import dlq_topic
from mesh.core.settings import MeshSettings

log = logging.getLogger(__name__)

ERROR_HEADER = "mesh_error"
ERROR_CLASS_HEADER = "mesh_error_class"
TOPIC_HEADER = "mesh_original_topic"
PARTITION_HEADER = "mesh_original_partition"
OFFSET_HEADER = "mesh_original_offset"
SIZE_HEADER = "mesh_original_size"
TRUNCATED_HEADER = "mesh_truncated"
_MAX_REASON = 2000
_MAX_REFERENCE_KEY = 1024
MAX_COPY_BYTES = 900_000
"""Above this (key + value + headers), a dead letter is a reference: librdkafka's default limit is 1,000,000
bytes per message and the broker's 1,048,588 per batch; the margin leaves room for the `mesh_*` headers."""

Header = tuple[str, bytes | str | None]
_TOO_LARGE = frozenset({confluent_kafka.KafkaError.MSG_SIZE_TOO_LARGE,
                        getattr(confluent_kafka.KafkaError, "RECORD_LIST_TOO_LARGE", -1)})


def _text(value: bytes | str | None) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else (value or "")


def message_size(key: bytes | str | None, value: bytes | str | None, headers: Sequence[Header]) -> int:
    """Bytes of a message's key, value and headers (names and values), as the broker counts them."""
    return _len(key) + _len(value) + sum(len(name.encode("utf-8", "replace")) + _len(v) for name, v in headers)


def _len(data: bytes | str | None) -> int:
    if data is None:
        return 0
    return len(data.encode("utf-8", "replace")) if isinstance(data, str) else len(data)


def reference_letter(
    key: bytes | str | None, headers: Sequence[Header], reason: str, *, size: int, budget: int = MAX_COPY_BYTES
) -> tuple[bytes | str | None, list[Header], str]:
    """Key, headers and reason of a dead letter standing for a message too large to copy (pure).

    The original headers are kept in order while they fit in `budget`; a `mesh_truncated` header says
    what was left out (always the value), `mesh_original_size` how large the original was.
    """
    kept_key = key if _len(key) <= _MAX_REFERENCE_KEY else None
    left = budget - _len(kept_key) - 2 * _MAX_REASON - 1024  # room for the mesh_* headers
    kept: list[Header] = []
    dropped = 0
    for name, value in headers:
        cost = len(name.encode("utf-8", "replace")) + _len(value)
        if cost <= left:
            kept.append((name, value))
            left -= cost
        else:
            dropped += 1
    what = ["value"] + ([] if kept_key is not None or key is None else ["key"])
    what += [f"{dropped} header(s)"] if dropped else []
    note = (f"the original ({size} bytes) is too large for the dead-letter topic; left out: {', '.join(what)}; "
            "read it at the original topic/partition/offset")
    marks: list[Header] = [(TRUNCATED_HEADER, ", ".join(what).encode("utf-8")), (SIZE_HEADER, str(size).encode())]
    return kept_key, [*kept, *marks], f"{reason[: _MAX_REASON - len(note) - 3]} [{note}]"


def dead_letter_headers(
    headers: Sequence[Header] | None,
    error: BaseException | str,
    *,
    topic: str,
    partition: int,
    offset: int,
    error_class: str | None = None,
) -> list[Header]:
    """The original headers followed by the `mesh_*` headers that say why and where from (pure)."""
    reason = error if isinstance(error, str) else (str(error) or repr(error))
    kind = error_class or type(error).__name__
    return [
        *(headers or ()),
        (ERROR_HEADER, reason[:_MAX_REASON].encode("utf-8")),
        (ERROR_CLASS_HEADER, kind.encode("utf-8")),
        (TOPIC_HEADER, topic.encode("utf-8")),
        (PARTITION_HEADER, str(partition).encode("ascii")),
        (OFFSET_HEADER, str(offset).encode("ascii")),
    ]


class DeadLetterQueue:
    """Sends messages the consumer gave up on to `<topic>.dlq`; connects on first use."""

    def __init__(
        self,
        *,
        settings: MeshSettings,
        config: Mapping[str, str | int | float | bool] | None = None,
        create_topics: bool = True,
        flush_timeout: float = 30.0,
        max_bytes: int = MAX_COPY_BYTES,
    ) -> None:
        self._settings = settings
        self._config = dict(config or {})
        self._create_topics = create_topics
        self._flush_timeout = flush_timeout
        self._max_bytes = max_bytes
        self._retries: list[tuple[str, bytes | str | None, list[Header], int]] = []
        self._producer: confluent_kafka.Producer | None = None
        self._ready_topics: set[str] = set()
        self._pending = 0
        self._failures: list[tuple[str, bytes | str | None, str]] = []
        self.sent = 0

    def send(self, message: confluent_kafka.Message, error: BaseException, *, wait: bool = True) -> str:
        """Dead-letter `message` because of `error`; returns the DLQ topic.

        Waits for the broker (DeliveryError when it did not take it), unless `wait=False`: then the
        dead letter is queued and `flush()` must succeed before the original's offset is stored.
        """
        origin = message.topic() or "?"
        target = dlq_topic(origin)
        if target not in self._ready_topics:
            self._ensure_topic(target, origin)
        raw = message.headers() or []
        original: list[Header] = list(raw.items()) if isinstance(raw, dict) else list(raw)
        key, value = message.key(), message.value()
        reason = str(error) or repr(error)
        size = message_size(key, value, original)
        if size > self._max_bytes:
            key, original, reason = reference_letter(key, original, reason, size=size, budget=self._max_bytes)
            value = None
        headers = dead_letter_headers(original, reason, error_class=type(error).__name__, topic=origin,
                                      partition=message.partition() or 0, offset=message.offset() or 0)
        self._produce(target, key, value, headers, size=size)
        # the first of a flush's dead letters is a warning, the others debug lines and a summary at the
        # flush: a burst of poison must not become a burst of log lines
        log.log(logging.WARNING if self._pending == 1 else logging.DEBUG, "dead-lettered %s[%s]@%s to %s: %s: %s",
                origin, message.partition(), message.offset(), target, type(error).__name__, reason[:300])
        if wait:
            self.flush()
        return target

    def _produce(self, target: str, key: bytes | str | None, value: bytes | str | None, headers: list[Header],
                 *, size: int) -> None:
        """Queue one dead letter; one the broker refuses as too large is queued again as a reference."""

        def report(err: confluent_kafka.KafkaError | None, _msg: confluent_kafka.Message) -> None:
            if err is None:
                return
            if value is not None and err.code() in _TOO_LARGE:
                self._retries.append((target, key, headers, size))
            else:
                self._failures.append((target, key, f"{err.name()}: {err.str()}"))

        producer = self._client()
        try:
            producer.produce(target, value, key, headers=headers, on_delivery=report)
        except confluent_kafka.KafkaException as exc:
            if value is None or exc.args[0].code() not in _TOO_LARGE:
                raise KafkaError(f"Cannot dead-letter to {target!r}: {exc}", cause=exc,
                                 hint="the original message was not committed and will be redelivered") from exc
            self._retries.append((target, key, headers, size))
            self._resend_references()
            return
        self._pending += 1

    def _resend_references(self) -> None:
        """Dead letters refused as too large, queued again without their value (see `reference_letter`)."""
        retries, self._retries = self._retries, []
        for target, key, headers, size in retries:
            mesh = [h for h in headers if h[0].startswith("mesh_")]
            plain = [h for h in headers if not h[0].startswith("mesh_")]
            reason = next((_text(v) for n, v in mesh if n == ERROR_HEADER), "")
            budget = min(self._max_bytes, size // 2)
            ref_key, kept, note = reference_letter(key, plain, reason, size=size, budget=budget)
            extra = [h for h in mesh if h[0] != ERROR_HEADER]
            self._produce(target, ref_key, None, [*kept, (ERROR_HEADER, note.encode("utf-8")), *extra], size=size)

    def flush(self) -> None:
        """Wait until every queued dead letter is on the broker; DeliveryError naming any that is not."""
        if not self._pending or self._producer is None:
            return
        remaining = self._producer.flush(self._flush_timeout)
        if self._retries:  # refused as too large: each is sent again as a reference (counted once)
            self._pending -= len(self._retries)
            self._resend_references()
            remaining = self._producer.flush(self._flush_timeout)
        pending, self._pending = self._pending, 0
        failures, self._failures = self._failures, []
        self.sent += max(0, pending - len(failures) - remaining)
        if pending > 1:
            log.warning("%d messages dead-lettered in this batch (%d failed)", pending, len(failures) + remaining)
        if remaining:
            failures.append(("?", None, f"{remaining} dead letter(s) still queued after {self._flush_timeout} s"))
        if failures:
            raise DeliveryError(failures, hint="the original messages were not committed and will be redelivered")

    def _client(self) -> confluent_kafka.Producer:
        if self._producer is None:
            self._producer = producer(self._settings, {"enable.idempotence": True, "acks": "all",
                                                               **self._config})
        return self._producer

    def _ensure_topic(self, target: str, origin: str) -> None:
        if not self._create_topics:
            self._ready_topics.add(target)
            return
        topics = TopicAdmin(self._settings, timeout_s=30)
        try:
            counts = topics.partitions([target, origin])
            if target not in counts:
                topics.create([TopicSpec(target, counts.get(origin, 1))], tolerate_existing=True)
                log.info("created dead-letter topic %s (%s partitions)", target, counts.get(origin, 1))
        except KafkaError as exc:
            raise KafkaError(f"Cannot create dead-letter topic {target!r}: {exc.message}", cause=exc.cause,
                             hint="create it yourself (`mesh products apply` does) or give the consumer's "
                             "principal CreateTopics") from exc
        self._ready_topics.add(target)

    def close(self) -> None:
        """Flush anything pending and release the client."""
        try:
            self.flush()
        finally:
            self._producer = None
