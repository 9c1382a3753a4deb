"""Coalesced outputs: publish the latest value of each key once per checkpoint, not once per input.

A stateful step that rebuilds a per-key aggregate (a member's view) would otherwise render, encode
and produce the whole aggregate for every input event; under a burst most of those records are
superseded before anyone reads them (with exactly-once, nobody can read them before the checkpoint
commits anyway). `Coalescer` keeps the latest value per (partition, key) in memory and publishes
each one once when the checkpoint commits.

The seam is Quix Streams' public sink API: `sdf.sink(coalescer)` registers it, every row reaching it
calls `add`, and Quix calls `flush()` as the first step of every checkpoint commit - before it
produces the changelogs, flushes the producer and commits the input offsets in the same Kafka
transaction - including the commit on partition revocation (rebalance) and at shutdown. `flush()`
produces through the application's own transactional producer (`Application._producer`, the private
attribute dead letters use too, pinned by a unit test), so the coalesced outputs commit atomically
with the state and the offsets of the inputs that caused them. The dirty set is memory only: after a
crash the open transaction is aborted and the inputs since the last checkpoint are processed again,
which marks the same keys dirty again.

Freshness: each published record carries the time (ms) of the OLDEST input folded into it since the
key was last published (`Latest.since_ms`, kept at the first mark), so "output time - input time"
counts the whole wait of every input it covers, never less.

Output partition: the producer's partitioner chooses it from the key (the factory sets librdkafka's
default, the SDK producer's), so outputs land where the SDK would put that key (co-partitioning).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from quixstreams import Application
from quixstreams.sinks import BaseSink

V = TypeVar("V")
Header = tuple[str, bytes]
# (key, value, since_ms) -> (framed value, headers) of the record to publish
Render = Callable[[bytes, Any, int], tuple[bytes, Sequence[Header]]]


@dataclass(frozen=True, slots=True)
class Latest(Generic[V]):
    """What a stateful step hands the coalescer: the key's new value (None: nothing to publish any more)
    and the time (ms) of the input that changed it."""

    value: V | None
    input_ms: int


@dataclass(slots=True)
class Pending(Generic[V]):
    """A dirty key: its newest value and the oldest input time not yet published."""

    value: V
    since_ms: int


class DirtySet(Generic[V]):
    """Latest value per (partition, key) since the last drain; pure, no I/O."""

    def __init__(self) -> None:
        self._pending: dict[tuple[int, bytes], Pending[V]] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def mark(self, partition: int, key: bytes, value: V, input_ms: int) -> None:
        """Remember `value` as the key's newest; the key keeps its oldest unpublished input time."""
        found = self._pending.get((partition, key))
        if found is None:
            self._pending[(partition, key)] = Pending(value, input_ms)
        else:
            found.value = value
            found.since_ms = min(found.since_ms, input_ms)

    def peek(self, partition: int, key: bytes) -> V | None:
        """The key's newest unpublished value, None when it is not dirty (then the state has the latest)."""
        found = self._pending.get((partition, key))
        return None if found is None else found.value

    def drop(self, partition: int, key: bytes) -> None:
        """Forget the key: its value is gone, nothing of it is left to publish."""
        self._pending.pop((partition, key), None)

    def drain(self) -> list[tuple[int, bytes, Pending[V]]]:
        """Every dirty (partition, key, pending) in the order first marked; the set is empty after."""
        drained = [(partition, key, pending) for (partition, key), pending in self._pending.items()]
        self._pending = {}
        return drained


class Coalescer(BaseSink):
    """A Quix Streams sink publishing the latest value per key to `topic` at each checkpoint.

    Rows reaching it are `Latest` values keyed by bytes; `render(key, value, since_ms)` encodes one
    (called once per key per checkpoint); the records are stamped with the time they are produced.
    `on_published(count)` is told how many records each flush produced.
    """

    def __init__(self, app: Application, topic: str, render: Render, *,
                 on_published: Callable[[int], None] | None = None) -> None:
        super().__init__(on_client_connect_success=lambda: None)
        self._app = app
        self.topic = topic
        self._render = render
        self._on_published = on_published
        self.dirty: DirtySet[Any] = DirtySet()
        self.published = 0

    def add(self, value: Any, key: Any, timestamp: int, headers: Any, topic: str, partition: int,
            offset: int) -> None:
        """Mark the row's key dirty with its `Latest` value (or forget it when the value is gone)."""
        if not isinstance(value, Latest):
            return  # the step had nothing to say about this row
        if value.value is None:
            self.dirty.drop(partition, key)
        else:
            self.dirty.mark(partition, key, value.value, value.input_ms)

    def flush(self) -> None:
        """Render and produce each dirty key once, inside the checkpoint's transaction."""
        drained = self.dirty.drain()
        if not drained:
            return
        producer = self._app._producer  # the transactional producer (module docstring)
        now_ms = time.time_ns() // 1_000_000
        for _partition, key, pending in drained:
            value, headers = self._render(key, pending.value, pending.since_ms)
            producer.produce(topic=self.topic, value=value, key=key, headers=list(headers), timestamp=now_ms)
        self.published += len(drained)
        if self._on_published is not None:
            self._on_published(len(drained))

    def on_paused(self) -> None:
        """Back-pressure rewinds the inputs to the checkpoint's start: they will mark their keys again."""
        self.dirty.drain()
