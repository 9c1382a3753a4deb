"""The engine's floor: member-360's Quix Streams topology with none of member-360's work in it.

Same application settings as the worker (mesh.processing.make_application: exactly-once, the checkpoint
interval, the bounded RocksDB options, the consumer's fetch settings), same input topics and feed, same
shape: links re-keyed -> concatenated with claims and visits -> a stateful step (one state read per
row) -> re-keyed -> concatenated with members -> a stateful step (no state read or write).
Values stay bytes: no CloudEvent or Avro decoding, no identity resolution, no fold, no views produced.
Each step does no more than the worker's does for every row (it writes no state, so no changelog):
whatever this reaches bounds any processor of that topology on this machine from above; the
member-360 worker does all of this and its own work on top. Used by processor_bench.py (--floor).

`with_state=True` adds the least state member-360's semantics need with exactly-once (its changelogs
included): the resolve step writes one value per row (an event's copy, kept so that a later winning
link can move it: identity.py; a link's entry), and the fold step reads a member's view once and
writes it once per checkpoint interval (the coalesced view; a member folded again within it reads
none). The worker does at least this: it also counts, keeps waiting events apart and decodes.

Links are re-keyed by bytes cut from their value (spread like real keys), events by their own key (a
local ID, one or two per member: like the worker's member IDs, per member, clustered as the feed is).
The run counts rows reaching the last step; done when every claim, visit and membership event has.
It also reads its main thread's CPU time (Quix Streams runs every step on it, librdkafka's I/O aside),
the part a processor's own work adds to serially.

`work_alone`: the other half of the bound, member-360's own work per input event with no engine: the
plain loop's decode (the SDK's event reader) -> identity resolution -> pure fold over the same input
messages, then every member's view rendered and encoded once, in this process, timed from memory (no
Kafka, no state, no view produced, no second decode after a re-keying hop).
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

from quixstreams import message_context
from quixstreams.state import State

from domains.care.member360.app import MEMBER_360, consumer_extra
from domains.care.member360.config import SCHEMA, Member360Config
from domains.care.member360.events import DomainEvent
from domains.care.member360.fold import apply, handles
from domains.care.member360.identity import IdentityResolver
from domains.care.member360.stores import STATE_OPTIONS
from domains.care.member360.view import render
from mesh.core.settings import MeshSettings
from mesh.processing.application import make_application, read_in_arrival_order
from mesh.processing.bridge import EventDecoder, EventEncoder, event_time, raw_message
from tests.support.readback import records_to_end


def _rekey(value: bytes) -> bytes:
    return value[-12:]


def _keyed(key: bytes, value: bytes) -> bytes:
    return len(key).to_bytes(1, "big") + key + value


def _key_of(value: bytes) -> bytes:
    return value[1:1 + value[0]]


def floor_worker(settings: MeshSettings, config: Member360Config, counters: Any, with_state: bool = False) -> None:
    """Run the floor app until killed; `counters` (shared doubles): ready, rows at the last step,
    time of the last, main-thread CPU time at the first row of the resolve step and at the last row,
    views written. `with_state`: the least state the semantics need (module docstring)."""
    app = make_application(config.app_id, settings=settings, state_dir=config.datadir,
                           commit_interval=config.commit_interval_s, session_timeout_s=config.session_timeout_s,
                           transaction_timeout_s=config.transaction_timeout_s,
                           processing_guarantee=config.processing_guarantee, rocksdb_options=STATE_OPTIONS,
                           consumer_extra=consumer_extra(config))

    def topic(name: str) -> Any:
        return app.topic(name, key_deserializer="bytes", value_deserializer="bytes",
                         key_serializer="bytes", value_serializer="bytes")

    def regroup(sdf: Any, name: str, key: Any) -> Any:
        return sdf.group_by(key, name=name, key_serializer="bytes", key_deserializer="bytes",
                            value_serializer="bytes", value_deserializer="bytes")

    def resolve(value: bytes, key: bytes, timestamp: int, headers: Any, state: State[bytes, bytes]) -> list[bytes]:
        if not counters[3]:
            counters[3] = time.thread_time()
        state.get(b"entry")  # the worker reads the local ID's entry for every row (and writes more)
        if with_state:  # a link's entry, or the copy of an event kept for re-links
            state.set(b"entry" if value[:1] == b"L" else value[-8:], value)
        return [] if value[:1] == b"L" else [_keyed(key, value)]  # links stop here, as in the worker

    window = CheckpointWindow(config.commit_interval_s)

    def fold(value: bytes, key: bytes, timestamp: int, headers: Any, state: State[bytes, bytes]) -> bool:
        # with_state: a member's view read and written once per checkpoint interval (the worker's fold
        # reads none for a member already folded in the checkpoint; its coalescer writes each once)
        if with_state and window.first((message_context().partition, key)):
            state.set(b"view", state.get(b"view", b"") or value)
            counters[5] += 1
        counters[1] += 1
        counters[2] = time.time()
        counters[4] = time.thread_time()
        return False

    links = regroup(app.dataframe(topic(config.identity_topic)).apply(lambda v: b"L" + v), "floor-links", _rekey)
    local = links.concat(app.dataframe(topic(config.claims_topic))).concat(app.dataframe(topic(config.visits_topic)))
    resolved = regroup(local.apply(resolve, stateful=True, expand=True, metadata=True), "floor-resolved", _key_of)
    resolved.concat(app.dataframe(topic(config.members_topic))).filter(fold, stateful=True, metadata=True)
    read_in_arrival_order(app)

    assign = app._on_assign  # the bench's only way to see assignment (no public hook in 3.28)

    def on_assign(*args: Any) -> None:
        assign(*args)
        counters[0] = 1.0

    app._on_assign = on_assign  # type: ignore[method-assign]
    app.run()


class CheckpointWindow:
    """Which members were folded in the current checkpoint interval (the worker's coalescer's view)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s, self.began, self.folded = interval_s, time.monotonic(), set[tuple[int, bytes]]()

    def first(self, member: tuple[int, bytes]) -> bool:
        """True the first time `member` is folded in this interval."""
        if time.monotonic() - self.began >= self.interval_s:
            self.began, self.folded = time.monotonic(), set()
        if member in self.folded:
            return False
        self.folded.add(member)
        return True


def start_floor(settings: MeshSettings, config: Member360Config,
                with_state: bool = False) -> tuple[multiprocessing.Process, Any]:
    """The floor worker in a subprocess, and its shared counters (see floor_worker)."""
    counters = multiprocessing.Array("d", 6, lock=False)
    process = multiprocessing.Process(target=floor_worker, args=(settings, config, counters, with_state),
                                      daemon=True)
    process.start()
    return process, counters


def work_alone(settings: MeshSettings, topics: list[str], output: str, repeats: int = 3) -> list[float]:
    """Microseconds per input message of decode -> resolve -> fold (the plain loop's calls), then each
    member's view rendered and encoded once (the least any coalescing publishes), per repeat."""
    decoder = EventDecoder(settings=settings)
    encoder = EventEncoder(output, SCHEMA, source="/bench/work-alone", settings=settings, register=True)
    encoder.start()
    messages = [raw_message(KafkaMessage(m)) for topic in topics for m in records_to_end(settings, topic)]
    per_event: list[float] = []
    try:
        for _ in range(repeats):
            resolver, views = IdentityResolver(), {}
            began = time.perf_counter()
            for raw in messages:
                event = decoder.decode(raw)
                for ready in resolver.submit(DomainEvent(event.id, event.type, event.source, event_time(event),
                                                         event.data)):
                    if handles(ready.type):
                        member_id = str(ready.resolved_member_id)
                        views[member_id] = apply(views.get(member_id), ready)
            for view in views.values():
                encoder.encode(MEMBER_360, render(view), time=view.updated_at)
            per_event.append((time.perf_counter() - began) * 1e6 / len(messages))
    finally:
        decoder.close()
        encoder.close()
    return per_event


class KafkaMessage:
    """A confluent-kafka message with the attribute names `raw_message` reads."""

    def __init__(self, message: Any) -> None:
        self.topic, self.partition, self.offset = message.topic(), message.partition(), message.offset()
        self.key, self.value, self.headers = message.key(), message.value(), message.headers()
        self.timestamp = message.timestamp()[1] / 1000
