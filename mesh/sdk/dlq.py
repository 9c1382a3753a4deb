"""Dead letters: a message the consumer cannot handle goes to `<topic>.dlq`, unchanged, with the reason.

The original key, value and headers are kept byte for byte; `mesh_*` headers say why and where from.
A dead letter is on the broker before the original message's offset is stored (`send` waits, or
`send(..., wait=False)` and then `flush()` before storing), so a message is either handled,
dead-lettered, or (when even that fails) redelivered: never dropped silently. The DLQ topic
is created on first use when it does not exist (same partition count as the original topic).
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
_MAX_REASON = 2000

Header = tuple[str, bytes | str | None]


def dead_letter_headers(
    headers: Sequence[Header] | None, error: BaseException, *, topic: str, partition: int, offset: int
) -> list[Header]:
    """The original headers followed by the `mesh_*` headers that say why and where from (pure)."""
    reason = str(error) or repr(error)
    return [
        *(headers or ()),
        (ERROR_HEADER, reason[:_MAX_REASON].encode("utf-8")),
        (ERROR_CLASS_HEADER, type(error).__name__.encode("utf-8")),
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
    ) -> None:
        self._settings = settings
        self._config = dict(config or {})
        self._create_topics = create_topics
        self._flush_timeout = flush_timeout
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
        headers = dead_letter_headers(
            original, error, topic=origin, partition=message.partition() or 0, offset=message.offset() or 0
        )
        key = message.key()

        def report(err: confluent_kafka.KafkaError | None, _msg: confluent_kafka.Message) -> None:
            if err is not None:
                self._failures.append((target, key, f"{err.name()}: {err.str()}"))

        producer = self._client()
        producer.produce(target, message.value(), key, headers=headers, on_delivery=report)
        self._pending += 1
        # the first of a flush's dead letters is a warning, the others debug lines and a summary at the
        # flush: a burst of poison must not become a burst of log lines
        log.log(logging.WARNING if self._pending == 1 else logging.DEBUG, "dead-lettered %s[%s]@%s to %s: %s: %s",
                origin, message.partition(), message.offset(), target, type(error).__name__, error)
        if wait:
            self.flush()
        return target

    def flush(self) -> None:
        """Wait until every queued dead letter is on the broker; DeliveryError naming any that is not."""
        if not self._pending or self._producer is None:
            return
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
