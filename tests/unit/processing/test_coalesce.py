"""Coalesced outputs: one record per key per checkpoint, the newest value, the oldest unpublished input
time; produced inside the checkpoint's transaction, before its producer flush and offset commit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quixstreams.checkpointing import Checkpoint

from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.processing.application import make_application
from mesh.processing.coalesce import Coalescer, DirtySet, Latest

SETTINGS = MeshSettings(kafka=KafkaSettings(bootstrap_servers="a:1"))


class RecordingProducer:
    """Stands in for Quix Streams' transactional producer; records every call in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def produce(self, **kwargs: Any) -> None:
        self.calls.append(("produce", kwargs))

    def begin_transaction(self) -> None:
        self.calls.append(("begin", None))

    def flush(self, timeout: float | None = None) -> int:
        self.calls.append(("flush", None))
        return 0

    def commit_transaction(self, offsets: Any, metadata: Any, timeout: float | None = None) -> None:
        self.calls.append(("commit", [(tp.topic, tp.partition, tp.offset) for tp in offsets]))

    @property
    def offsets(self) -> dict[Any, int]:
        return {}

    @property
    def produced(self) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == "produce"]


class FakeApp:
    def __init__(self, producer: RecordingProducer) -> None:
        self._producer = producer


def render(key: bytes, value: Any, since_ms: int) -> tuple[bytes, list[tuple[str, bytes]]]:
    return f"{key.decode()}={value}".encode(), [("since", str(since_ms).encode())]


def coalescer(producer: RecordingProducer) -> Coalescer:
    return Coalescer(FakeApp(producer), "out", render)  # type: ignore[arg-type]


def add(sink: Coalescer, value: Any, key: bytes, partition: int = 0) -> None:
    sink.add(value, key, 0, None, "in", partition, 0)


def test_a_key_marked_many_times_drains_once_with_its_newest_value_and_oldest_input_time() -> None:
    dirty: DirtySet[str] = DirtySet()
    dirty.mark(0, b"m1", "v1", 300)
    dirty.mark(0, b"m2", "w1", 50)
    dirty.mark(0, b"m1", "v2", 100)
    dirty.mark(0, b"m1", "v3", 200)
    dirty.mark(1, b"m1", "other partition", 7)
    assert (dirty.peek(0, b"m1"), dirty.peek(1, b"m1"), dirty.peek(2, b"m1")) == ("v3", "other partition", None)
    drained = [(p, k, pending.value, pending.since_ms) for p, k, pending in dirty.drain()]
    assert drained == [(0, b"m1", "v3", 100), (0, b"m2", "w1", 50), (1, b"m1", "other partition", 7)]
    assert len(dirty) == 0 and dirty.drain() == []


def test_a_dropped_key_is_not_published() -> None:
    dirty: DirtySet[str] = DirtySet()
    dirty.mark(0, b"m1", "v1", 1)
    dirty.drop(0, b"m1")
    dirty.drop(0, b"never marked")
    assert dirty.drain() == []


def test_a_burst_produces_one_record_per_key_at_flush_and_nothing_before() -> None:
    producer = RecordingProducer()
    sink = coalescer(producer)
    for n in range(50):
        add(sink, Latest(f"v{n}", 1000 + n), b"m1")
    add(sink, Latest("x", 5), b"m2")
    add(sink, None, b"m3")  # the step said nothing about this row
    add(sink, Latest("gone soon", 9), b"m4")
    add(sink, Latest(None, 10), b"m4")  # its value is gone: nothing left to publish
    assert producer.calls == []
    sink.flush()
    assert [(p["topic"], p["key"], p["value"], dict(p["headers"])["since"]) for p in producer.produced] == [
        ("out", b"m1", b"m1=v49", b"1000"), ("out", b"m2", b"m2=x", b"5")]
    assert all(isinstance(p["timestamp"], int) and p["timestamp"] > 1000 for p in producer.produced)
    assert sink.published == 2
    sink.flush()  # nothing new since: nothing produced
    assert len(producer.produced) == 2


def test_back_pressure_forgets_the_dirty_keys() -> None:
    producer = RecordingProducer()
    sink = coalescer(producer)
    add(sink, Latest("v", 1), b"m1")
    sink.on_paused()
    sink.flush()
    assert producer.calls == []


class FakeConsumer:
    def consumer_group_metadata(self) -> object:
        return object()


class FakeSinks:
    def __init__(self, *sinks: Coalescer) -> None:
        self.sinks = list(sinks)


def test_quix_checkpoint_flushes_the_coalescer_inside_its_transaction_before_flush_and_commit() -> None:
    # the seam this module relies on (quixstreams 3.28 Checkpoint.commit): sinks flush first, then the
    # producer flush, then the transaction commits with the offsets. Fail here first if it changes.
    producer = RecordingProducer()
    sink = coalescer(producer)
    checkpoint = Checkpoint(commit_interval=1.0, producer=producer, consumer=FakeConsumer(),  # type: ignore[arg-type]
                            state_manager=None, sink_manager=FakeSinks(sink),  # type: ignore[arg-type]
                            dataframe_registry=None, exactly_once=True)  # type: ignore[arg-type]
    checkpoint.store_offset("in", 3, 41)
    add(sink, Latest("v1", 1), b"m1", partition=3)
    add(sink, Latest("v2", 2), b"m1", partition=3)
    checkpoint.commit()
    assert [name for name, _ in producer.calls] == ["begin", "produce", "flush", "commit"]
    assert producer.calls[-1][1] == [("in", 3, 42)]
    assert producer.produced[0]["value"] == b"m1=v2"


def test_the_app_has_the_producer_the_coalescer_uses(tmp_path: Path) -> None:
    app = make_application("t-app", settings=SETTINGS, state_dir=tmp_path)
    assert callable(app._producer.produce)
