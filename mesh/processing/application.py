"""The Quix Streams application factory, and dead letters sent inside the app's transactions.

`make_application(app_id, settings=..., state_dir=...)` builds a `quixstreams.Application` from
`MeshSettings` with these choices, each for a reason:

- the connection is `mesh.clients.kafka_config(settings)` (bootstrap, security protocol, SASL): the
  same dict every mesh client uses, so authentication configured there reaches the processor too;
- `processing_guarantee="exactly-once"` by default: outputs, changelogs, dead letters and input
  offsets commit in one Kafka transaction per checkpoint; readers of the outputs use read_committed;
- names an operator can grant ACLs on by prefix: the consumer group is `app_id`, internal topics are
  `repartition__<app_id>--...` and `changelog__<app_id>--...` (Quix Streams' rule), the transactional
  id is `<app_id>-<12 hex digits>`;
- one identity per worker, stable across its restarts (`worker_id`: a digest of host name and state
  directory, which no two running workers share: RocksDB locks it), used twice:
  - as the transactional id: a worker restarted after a crash fences its dead predecessor at start,
    and the broker aborts the transaction that one left open at once (with a new id per start it
    stayed open until `transaction.timeout.ms`, 60 s, holding every read-committed reader of its
    partitions, the worker's own internal topics included);
  - as `group.instance.id` (static membership): a restarted worker takes its partitions back at once,
    without a rebalance and without waiting for its dead self's `session.timeout.ms` (45 s). The cost:
    a worker stopped for good hands its partitions to the others only after that session timeout.
    `session_timeout_s` (45 s, Kafka's default) says how long. Not 10 s: a broker restart that takes
    longer than the session timeout expels the members, and the next transactional offset commit
    fails (UNKNOWN_MEMBER_ID) and stops the worker. `transaction_timeout_s` (60 s) bounds how long a
    crashed worker that does not come back holds read-committed readers of its partitions; a broker
    outage longer than it aborts the open transaction, which stops the worker too;
- `connections.max.idle.ms` 30 s on the producer (librdkafka's default: never, the broker's: 10 min):
  librdkafka 2.12 can wait forever in the checkpoint's `send_offsets_to_transaction` after a broker
  restart: a broker missing from one metadata response (a restarted broker is fenced until it
  re-registers) is decommissioned while still cached as the group coordinator, and the request
  waiting for it is only looked at again when some broker connection changes state (librdkafka
  issues 5511 and 5456: that request also ignores its timeout). The worker then lives, reads nothing
  and commits nothing. Closing idle connections is such a change (a stuck producer is idle): the
  request finds the coordinator again and the checkpoint commits (after ~30 s, not after the
  broker's own 10 min idle close). A reconnect costs one SASL handshake when the worker is idle;
- `fetch.wait.max.ms` 100 on the consumer (librdkafka's default 500): a broker answers one request per
  connection at a time, so a synchronous offset query waits behind a fetch long-poll with no data to
  return. Quix Streams makes one per changelog partition when partitions are assigned (24 for member-360
  on 6 partitions): a worker sat ~12-24 s assigned but idle at every start and rebalance, ~3 s now; the
  cost is an empty fetch every 100 ms instead of every 500 ms while idle;
- `commit_interval` 1 s (Quix's default is 5 s): with exactly-once, outputs become visible to
  read-committed consumers only when a checkpoint commits, so this is the floor of freshness;
- `partitioner="consistent_random"` (librdkafka's default, CRC-32 of the key): Quix Streams defaults to
  murmur2, but the SDK producer writes the products with librdkafka's default, and re-keyed records
  must land on the partition of the product records with the same key (co-partitioning);
- `auto_offset_reset="earliest"`: a new processor builds its state from the beginning of its inputs;
- `poll_timeout` 0.05 s and `max_partition_buffer_size` 1,000 (Quix: 1 s, 10,000): an app that joins
  topics (`concat`) polls in batches for time alignment, and a batch call waits until it has the
  whole batch or the timeout passed; with Quix's defaults each call blocked ~1 s (a profile of
  member-360 showed 60% of its time there) and freshness was in seconds;
- Quix creates its internal topics through the admin API (broker auto-creation is off).

`DeadLetters` sends messages that cannot be processed to `<topic>.dlq`, unchanged, with the SDK's
`mesh_error*` headers, through the application's own (transactional) producer: a dead letter commits
with the offset of its original, never without it. This needs the one private attribute of Quix
Streams we use (`Application._producer`), pinned by a unit test.

`read_in_arrival_order(app)` turns Quix Streams' timestamp-aligned reading of concatenated topics
off, for order-insensitive processors (a second private attribute, pinned by a unit test).

Metrics hooks: `on_message_processed` (passed through) is the place for per-message counters.
"""

from __future__ import annotations

import hashlib
import logging
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from quixstreams import Application, message_context
from quixstreams.kafka.configuration import ConnectionConfig

from mesh.clients import kafka_config
from mesh.core.errors import ConfigurationError, EventFormatError
from mesh.core.naming import dlq_topic
from mesh.core.settings import MeshSettings
from mesh.processing.serdes import Incoming
from mesh.sdk.dlq import dead_letter_headers

log = logging.getLogger(__name__)

ProcessingGuarantee = Literal["exactly-once", "at-least-once"]
# the producer closes connections idle this long: unsticks a checkpoint after a broker restart (docstring)
IDLE_CONNECTION_CLOSE_MS = 30_000
# offset queries at partition assignment wait behind the consumer's fetch long-poll (docstring)
FETCH_WAIT_MAX_MS = 100


def connection_config(settings: MeshSettings) -> ConnectionConfig:
    """Quix Streams' connection settings from the one librdkafka dict of `MeshSettings`."""
    try:
        return ConnectionConfig.from_librdkafka_dict(dict(kafka_config(settings)))
    except ValueError as exc:
        raise ConfigurationError(f"Kafka settings not usable by Quix Streams: {exc}",
                                 hint="check the MESH_KAFKA__* variables") from exc


def make_application(
    app_id: str,
    *,
    settings: MeshSettings,
    state_dir: Path,
    processing_guarantee: ProcessingGuarantee = "exactly-once",
    commit_interval: float = 1.0,
    auto_offset_reset: Literal["earliest", "latest"] = "earliest",
    consumer_extra: Mapping[str, Any] | None = None,
    producer_extra: Mapping[str, Any] | None = None,
    on_message_processed: Callable[[str, int, int], None] | None = None,
    loglevel: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = "WARNING",
    rocksdb_options: Any = None,
    poll_timeout: float = 0.05,
    max_partition_buffer_size: int = 1000,
    session_timeout_s: float = 45.0,
    transaction_timeout_s: float = 60.0,
) -> Application:
    """A Quix Streams application (consumer group `app_id`); see the module docstring. No network."""
    if not app_id or any(c.isspace() for c in app_id):
        raise ConfigurationError(f"Invalid processor app id {app_id!r}",
                                 hint="use a non-empty name without spaces, e.g. 'member360'")
    producer: dict[str, Any] = {"linger.ms": 5, "partitioner": "consistent_random",
                                "connections.max.idle.ms": IDLE_CONNECTION_CLOSE_MS, **(producer_extra or {})}
    if processing_guarantee == "exactly-once":
        producer.setdefault("transactional.id", worker_id(app_id, state_dir))
        producer.setdefault("transaction.timeout.ms", int(transaction_timeout_s * 1000))
    consumer = {"group.instance.id": worker_id(app_id, state_dir), "session.timeout.ms": int(session_timeout_s * 1000),
                "fetch.wait.max.ms": FETCH_WAIT_MAX_MS, **(consumer_extra or {})}
    log.info("Quix Streams app %s (%s, commit every %ss)", app_id, processing_guarantee, commit_interval)
    return Application(
        broker_address=connection_config(settings),
        consumer_group=app_id,
        processing_guarantee=processing_guarantee,
        commit_interval=commit_interval,
        auto_offset_reset=auto_offset_reset,
        state_dir=str(state_dir),
        consumer_extra_config=consumer,
        producer_extra_config=producer,
        on_message_processed=on_message_processed,
        auto_create_topics=True,
        loglevel=loglevel,
        rocksdb_options=rocksdb_options,
        consumer_poll_timeout=poll_timeout,
        max_partition_buffer_size=max_partition_buffer_size,
    )


def worker_id(app_id: str, state_dir: Path) -> str:
    """`<app_id>-<digest of this host and state directory>`: the same for a worker and its restart."""
    where = f"{socket.gethostname()}\0{state_dir.resolve()}".encode()
    return f"{app_id}-{hashlib.sha256(where).hexdigest()[:12]}"


def read_in_arrival_order(app: Application) -> None:
    """Consume without Quix Streams' timestamp alignment, for processors whose results do not depend
    on the order in which their topics' messages arrive (call after building the topology).

    `concat()` makes Quix buffer every partition of the concatenated topics and hand out the message
    with the smallest timestamp, waiting while any partition's buffer is empty and not known to be
    idle. On topics written in transactions (the re-keying topics under exactly-once) a partition
    looks busy until its transaction commits, so rows waited for checkpoints of the other partitions
    (seconds of freshness at 1,000 events/s), and the buffering cost ~10% of the worker's time. An
    order-insensitive fold (member-360's, proven by its property tests) needs none of it. This sets
    the one private attribute behind that choice (`DataFrameRegistry._requires_time_alignment`,
    quixstreams 3.28), pinned by a unit test.
    """
    registry = app._dataframe_registry
    if not hasattr(registry, "_requires_time_alignment"):
        raise ConfigurationError("This Quix Streams version has no time-alignment switch where mesh expects it",
                                 hint="pin quixstreams 3.28 or update mesh.processing.application")
    registry._requires_time_alignment = False


class DeadLetters:
    """Dead-letters `Incoming` messages through the application's producer (inside its transaction).

    Use `sdf.filter(dead_letters.keep, metadata=True)` right after reading: messages that are not
    events go to their topic's DLQ (same partition) and stop there; events go on. `send` dead-letters
    any message of the current row with a reason (e.g. an event that cannot be resolved).
    The DLQ topics must exist before the app runs (`topics.ensure_topics`).
    """

    def __init__(self, app: Application) -> None:
        self._app = app
        self.sent = 0

    def keep(self, value: Any, key: Any, timestamp: int, headers: Any) -> bool:
        """Filter callback: True for events; dead-letters anything else and returns False."""
        if isinstance(value, Incoming) and value.error is None:
            return True
        if isinstance(value, Incoming) and value.error is not None:
            self.send(value, key, value.error)
        else:
            self.send(Incoming(None, list(headers or ())), key,
                      EventFormatError("A message without a value (a tombstone?) is not an event",
                                       hint="product topics carry events; send tombstones only to compacted views"))
        return False

    def send(self, incoming: Incoming, key: Any, error: BaseException, *,
             origin: tuple[str, int, int] | None = None) -> str:
        """Dead-letter `incoming`'s original bytes because of `error`.

        `origin` (topic, partition, offset) says where it was read when that is not the current row
        (an event held in state since); the dead letter goes to that topic's DLQ, same partition.
        """
        if origin is None:
            ctx = message_context()
            origin = (ctx.topic, ctx.partition, ctx.offset)
        topic, partition, offset = origin
        target = dlq_topic(topic)
        headers = [(name, value or b"") for name, value in dead_letter_headers(
            list(incoming.headers), error, topic=topic, partition=partition, offset=offset)]
        producer = self._app._producer  # the transactional producer (module docstring)
        producer.produce(topic=target, value=incoming.value, key=key, headers=headers, partition=partition)
        self.sent += 1
        log.warning("dead-lettered %s[%s]@%s to %s: %s: %s", topic, partition, offset, target,
                    type(error).__name__, error)
        return target
