"""The member-360 stream processor (Quix Streams): resolve identities, fold per member, publish, serve.

Topology (state is per message key, in RocksDB with a changelog topic each):

    member_identity (key member_id) --group_by local ID--> repartition__<app>--...--links-by-local-id
    claims (key subscriber no.) + visits (key MRN) + links by local ID
        --resolve [state: local ID -> link + held raw events, see held.py]--group_by member-->
        repartition__<app>--...--resolved-by-member
    members (key member_id) + resolved by member
        --fold [state: member_id -> MemberView]--coalesce--> member_360 (compacted, key member_id)

Re-keyed records are produced by librdkafka's default partitioner, the SDK producer's, so links land on
the partition of the claims/visits of the same local ID and resolved events on the partition of the
same member's membership events. Internal topics carry the original CloudEvent bytes and headers (plus
`mesh_member_id` and `mesh_input_ts`), so every hop decodes with the SDK's one event reader.

Exactly-once: state, outputs, dead letters and input offsets commit in one transaction per checkpoint.
Views are coalesced (`mesh.processing.coalesce`): the fold marks a member dirty when its view changed,
and each dirty member's view is stored in the state, rendered, encoded and published ONCE per
checkpoint, inside that checkpoint's transaction (the state write lands before Quix writes the
checkpoint's changelogs: sinks flush first), carrying in `mesh_input_ts` the time of the oldest input folded in since
its previous view (so freshness counts every input's whole wait). An unchanged view is not published
(it was, in a committed transaction). The fold (`fold.apply`) is idempotent: redeliveries change nothing.
Held-event logic is the pure `held.hold` / `held.link`; this module only applies their steps.
Re-links (rule in `identity.py`): every event forwarded for a local ID is also kept in its state
(`forwarded_key`); when a winning link moves the local ID to another member, they are sent again as
retractions to the old member (header `mesh_retract`, folded out by `fold.retract`) and as events of
the new one, so views do not depend on the order of links and events.
Views are served over HTTP from the compacted output topic (`mesh.processing.views`).
Run: `python -m domains.care.member360.app worker [-l warn]`.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import signal
from collections import Counter
from dataclasses import dataclass
from typing import Any

from quixstreams import Application, State, message_context

from domains.care.member360 import events as ev
from domains.care.member360.config import SCHEMA, Member360Config, Member360Env, view_guard
from domains.care.member360.fold import apply, handles, retract
from domains.care.member360.held import EntryCache, HeldEntry, HeldStep, dump_view, hold, link, load_view
from domains.care.member360.identity import local_key
from domains.care.member360.stores import STATE_OPTIONS, HeldRecords, apply_step, moved, remember
from domains.care.member360.view import MemberView, render
from mesh.clients.kafka import prefetch_limit
from mesh.core.errors import MeshError, ProcessingError
from mesh.core.metrics import ProcessorMetrics
from mesh.core.naming import dlq_topic, event_type
from mesh.core.settings import MeshSettings
from mesh.processing import heapdump
from mesh.processing.application import DeadLetters, make_application, read_in_arrival_order
from mesh.processing.bridge import EventEncoder, RawMessage, event_time, last_header
from mesh.processing.coalesce import Coalescer
from mesh.processing.lag import group_lag
from mesh.processing.serdes import EventDeserializer, FramedSerializer, Incoming, keep_headers
from mesh.processing.topics import check_copartitioned, ensure_topics, partition_counts
from mesh.processing.views import ViewServer

log = logging.getLogger(__name__)

MEMBER_360 = event_type("care", "Member360", 1)
MEMBER_HEADER = "mesh_member_id"
# Kafka timestamp (ms) from which freshness counts: the input event's, or its link's when it had to wait
INPUT_TS_HEADER = "mesh_input_ts"
# on a resolved event: fold it *out* of the member's view (its local ID was re-linked to another member)
RETRACT_HEADER = "mesh_retract"
VIEW_KEY = b"view"


def consumer_extra(config: Member360Config) -> dict[str, Any]:
    """librdkafka settings of the worker's consumer beyond make_application's: its prefetch capped."""
    return prefetch_limit(config.fetch_buffer_mb)


@dataclass(slots=True)
class Resolved:
    """A claim or visit resolved to its member (original bytes, headers naming it), to re-key by it."""

    value: bytes
    headers: list[tuple[str, bytes]]
    member_id: bytes


@dataclass(slots=True)
class DirtyView:
    """A member's view changed in the current checkpoint, with its state (stored once, when published)."""

    view: MemberView
    state: State[bytes, bytes]


class Member360Processor:
    """Wires the Quix Streams app for one configuration; `build()` checks and creates topics first."""

    def __init__(self, config: Member360Config, *, settings: MeshSettings) -> None:
        self.config = config
        self.counts: Counter[str] = Counter()
        self.metrics = ProcessorMetrics(config.app_id)
        self._settings = settings
        self.app: Application = make_application(config.app_id, settings=settings, state_dir=config.datadir,
                                                 commit_interval=config.commit_interval_s,
                                                 session_timeout_s=config.session_timeout_s,
                                                 transaction_timeout_s=config.transaction_timeout_s,
                                                 processing_guarantee=config.processing_guarantee,
                                                 rocksdb_options=STATE_OPTIONS, consumer_extra=consumer_extra(config))
        self.dead = DeadLetters(self.app)
        self._entries = EntryCache()  # decoded identity entries by their bytes (held.EntryCache)
        self.views = Coalescer(self.app, config.output_topic, self._publish)
        self.encoder = EventEncoder(config.output_topic, SCHEMA, source=config.source, settings=settings,
                                    register=config.register_schema)
        self.server = ViewServer(config.output_topic, settings=settings, host=config.web_host, port=config.web_port,
                                 path="/members", stats=self.stats, datadir=config.datadir / "served",
                                 metrics=self.exposition, guard=view_guard(settings),
                                 fetch_buffer_mb=config.fetch_buffer_mb)
        if self.server.guard is None:
            log.warning("the member-360 views are OPEN (no MESH_REGISTRY__USERS_FILE): anyone may read PHI")
        self._topology(settings)

    @classmethod
    def build(cls, config: Member360Config, *, settings: MeshSettings) -> Member360Processor:
        """Check co-partitioning, create the DLQ topics, resolve the output schema: then wire."""
        counts = partition_counts(settings, [*config.input_topics, config.output_topic])
        check_copartitioned(counts, [config.claims_topic, config.visits_topic, config.identity_topic])
        check_copartitioned(counts, [config.members_topic, config.output_topic])
        ensure_topics(settings, {dlq_topic(t): counts[t] for t in config.input_topics},
                      replication_factor=config.replication_factor)
        processor = cls(config, settings=settings)
        processor.encoder.start()
        return processor

    def _topic(self, name: str, settings: MeshSettings) -> Any:
        return self.app.topic(name, key_deserializer="bytes", value_deserializer=EventDeserializer(settings=settings),
                              key_serializer="bytes", value_serializer=FramedSerializer())

    def _read(self, name: str, settings: MeshSettings, accept: Any) -> Any:
        return self.app.dataframe(self._topic(name, settings)).filter(accept, metadata=True)

    def _regroup(self, sdf: Any, key: Any, name: str, settings: MeshSettings) -> Any:
        return sdf.group_by(key, name=name, key_serializer="bytes", key_deserializer="bytes",
                            value_serializer=FramedSerializer(), value_deserializer=EventDeserializer(settings=settings))

    def _topology(self, settings: MeshSettings) -> None:
        # Each Quix step is a wrapper call per row (bench/README.md, seventh session): an input is counted,
        # dead-lettered or filtered in one step, and the stateful steps check their re-keyed rows themselves.
        cfg = self.config
        links = self._read(cfg.identity_topic, settings, self._accept_link)
        # a link's row headers are its own (read as they came): no set_headers step before its re-keying
        links = self._regroup(links, self._link_local_id, "links-by-local-id", settings)
        local = links.concat(self._read(cfg.claims_topic, settings, self._accept)).concat(
            self._read(cfg.visits_topic, settings, self._accept))
        resolved = local.apply(self._resolve, stateful=True, expand=True, metadata=True).set_headers(keep_headers)
        resolved = self._regroup(resolved, self._member_of, "resolved-by-member", settings)
        members = self._read(cfg.members_topic, settings, self._accept)
        # one view per member per checkpoint: the fold marks members dirty in the coalescer, which publishes
        # them at each checkpoint; no row goes on from the fold (its filter is always False)
        resolved.concat(members).filter(self._fold, stateful=True, metadata=True).sink(self.views)
        read_in_arrival_order(self.app)  # the views do not depend on arrival order (relinks included)

    # -- steps -----------------------------------------------------------------------------------------------
    def _accept(self, value: Any, key: Any, timestamp: int, headers: Any) -> bool:
        """An input row: count it; dead-letter it (False) when it is not an event."""
        self.counts["in"] += 1
        self.metrics.consumed(message_context().topic)
        return self.dead.keep(value, key, timestamp, headers)

    def _accept_link(self, value: Any, key: Any, timestamp: int, headers: Any) -> bool:
        """An identity-topic row: counted, dead-lettered unless an event, kept only if it is a link."""
        return self._accept(value, key, timestamp, headers) and self._is_link(value)

    @staticmethod
    def _is_link(value: Incoming) -> bool:
        return value.event is not None and value.event.type == ev.MEMBER_IDENTITY_LINKED

    @staticmethod
    def _link_local_id(value: Incoming) -> bytes:
        assert value.event is not None
        return str(value.event.data["local_id"]).encode()

    @staticmethod
    def _member_of(value: Resolved) -> bytes:
        return value.member_id

    def _domain_event(self, value: Incoming) -> ev.DomainEvent:
        event = value.event
        assert event is not None  # dead letters were filtered out before
        member = next((v for k, v in value.headers if k == MEMBER_HEADER), None)
        return ev.DomainEvent(id=event.id, type=event.type, source=event.source, time=event_time(event),
                              data=event.data, member_id=None if member is None else member.decode())

    @staticmethod
    def _raw(value: Incoming, key: bytes | None, timestamp: int) -> RawMessage:
        ctx = message_context()
        return RawMessage(topic=ctx.topic, partition=ctx.partition, offset=ctx.offset, key=key, value=value.value,
                          headers=tuple(value.headers), timestamp_ms=timestamp)

    def _resolve(self, value: Incoming, key: bytes, timestamp: int, headers: Any, state: State[bytes, bytes]) -> list[Resolved]:
        """Resolve claims and visits to members; hold them until their link arrives (held.py decides)."""
        if value.__class__ is not Incoming or value.event is None:  # a re-keyed link that is not an event
            self.dead.keep(value, key, timestamp, headers)
            return []
        event = self._domain_event(value)
        raw = self._raw(value, key, timestamp)
        if event.type not in ev.LOCAL_ID_FIELD and event.type != ev.MEMBER_IDENTITY_LINKED:
            self.counts["skipped"] += 1  # an event type this processor does not know: not ours to judge
            return []
        try:
            entry_key = str(local_key(event)).encode()
        except KeyError as exc:
            self._dead_letter(raw, f"Event {event.id!r} of type {event.type!r} lacks its local ID field {exc}")
            return []
        stored = state.get(entry_key)
        entry: HeldEntry | None = None if stored is None else self._entries.load(entry_key, stored)
        held = HeldRecords(state, entry_key, entry)
        if event.type == ev.MEMBER_IDENTITY_LINKED:
            step = link(entry, event, held)
            since = _input_ts(raw)
            self.counts["released"] += len(step.forward)
        else:
            step = hold(entry, raw, held, max_pending=self.config.max_pending)
            since = None
            self.counts["held"] += len(step.store)  # newly waiting (not a redelivery, not overflowed at once)
        self._apply(state, entry_key, step)
        member = (step.entry.member_id or "").encode()
        moved_away = moved(state, entry_key, entry, step)
        self.counts["moved"] += len(moved_away)
        remember(state, entry_key, step.forward)
        self.counts["remembered"] += len(step.forward)
        self.counts["resolved"] += len(step.forward)
        out = [self._resolved(r, (entry.member_id or "").encode() if entry else b"", since, retract=True)
               for r in moved_away]
        out += [self._resolved(r, member, since) for r in (*moved_away, *step.forward)]
        return out

    def _apply(self, state: State[bytes, bytes], entry_key: bytes, step: HeldStep) -> None:
        apply_step(state, entry_key, step, self._entries.dump(entry_key, step.entry) if step.changed else None)
        self.counts["overflowed"] += len(step.overflow)
        for raw in step.overflow:
            self._dead_letter(raw, (
                f"No identity link for local ID {entry_key.decode()!r} arrived while {self.config.max_pending} "
                f"later events of it waited; this event cannot be resolved to a member"))

    @staticmethod
    def _resolved(raw: RawMessage, member: bytes, since: bytes | None, *, retract: bool = False) -> Resolved:
        headers = [h for h in raw.headers if h[0] not in (MEMBER_HEADER, INPUT_TS_HEADER, RETRACT_HEADER)]
        headers += [(MEMBER_HEADER, member), (INPUT_TS_HEADER, since or _input_ts(raw))]
        headers += [(RETRACT_HEADER, b"1")] if retract else []
        return Resolved(raw.value or b"", headers, member)

    def _dead_letter(self, raw: RawMessage, reason: str) -> None:
        error = ProcessingError(reason, hint="publish the MemberIdentityLinked event of this local ID, then "
                                "replay the dead letter onto its original topic")
        self.dead.send(Incoming(raw.value, raw.headers), raw.key, error,
                       origin=(raw.topic, raw.partition, raw.offset))
        self.metrics.dead_letter(raw.topic)

    def _fold(self, value: Incoming, key: bytes, timestamp: int, headers: Any, state: State[bytes, bytes]) -> bool:
        """Fold a membership or resolved event into the member's view; mark the member dirty in the
        coalescer when its view changed. A filter that is always False: no row goes on from here."""
        if value.__class__ is not Incoming or value.event is None:  # a re-keyed record that is not an event
            self.dead.keep(value, key, timestamp, headers)
            return False
        event = self._domain_event(value)
        if not handles(event.type):
            return False
        member_id = event.resolved_member_id
        if member_id is None:
            self._dead_letter(self._raw(value, key, timestamp), f"Event {event.id!r} names no member")
            return False
        # a member folded earlier in this checkpoint is dirty: its view is at hand, no state read and decode
        partition = message_context().partition
        dirty: DirtyView | None = self.views.dirty.peek(partition, key)
        old: MemberView | None
        if dirty is not None:
            old = dirty.view
        else:
            stored = state.get(VIEW_KEY)
            old = None if stored is None else load_view(stored)
        try:
            new = retract(old, event) if _header(value, RETRACT_HEADER) else apply(old, event)
        except (KeyError, TypeError, ValueError) as exc:
            self._dead_letter(self._raw(value, key, timestamp), f"Event {event.id!r} cannot be folded: {exc!r}")
            return False
        if new is None:  # a re-link took every fact of this member away: nothing to show (no tombstone yet)
            state.delete(VIEW_KEY)
            self.counts["emptied"] += 1 if old is not None else 0
            self.views.dirty.drop(partition, key)
        elif new != old:
            since = _header(value, INPUT_TS_HEADER)
            self.views.dirty.mark(partition, key, DirtyView(new, state), int(since) if since else timestamp)
        return False

    def _publish(self, key: bytes, dirty: DirtyView, since_ms: int) -> tuple[bytes, list[tuple[str, bytes]]]:
        """Store and encode one coalesced view; it carries the time of the oldest input folded in since the
        member's previous view. Runs in the checkpoint's first step, before its changelogs are written."""
        view = dirty.view
        dirty.state.set(VIEW_KEY, dump_view(view))
        data, out_headers = self.encoder.encode(MEMBER_360, render(view), time=view.updated_at,
                                                extra_headers=[(INPUT_TS_HEADER, str(since_ms).encode())])
        self.counts["published"] += 1
        self.metrics.produced(self.config.output_topic)
        self.metrics.emitted(since_ms / 1000)
        return data, out_headers

    # -- serving ---------------------------------------------------------------------------------------------
    def ready(self) -> bool:
        """Partitions assigned and state recovered: events read from now on are processed at once."""
        consumer = self.app._consumer
        try:
            assigned = bool(consumer.assignment())
        except Exception:  # noqa: BLE001  (not subscribed yet)
            return False
        return assigned and not self.app._state_manager.recovery_required

    def stats(self) -> dict[str, int]:
        """The counters of /stats."""
        return {**self.counts, "dead_lettered": self.dead.sent, "members": self.server.count, "ready": int(self.ready()),
                "views_behind": self.server.behind}

    def exposition(self) -> bytes:
        """GET /metrics: events in/out, dead-lettered, freshness, held now, and the inputs' lag (read now)."""
        self.metrics.set_held(self.counts["held"] - self.counts["released"] - self.counts["overflowed"])
        try:
            self.metrics.set_lag(group_lag(self._settings, self.config.app_id, self.config.input_topics,
                                           timeout_s=5.0))
        except MeshError as exc:  # a scrape must not fail on a slow broker: the last lag stays
            log.warning("lag not refreshed for /metrics: %s", exc)
        return self.metrics.exposition()

    def rocksdb_memory(self) -> list[str]:
        """RAM of every RocksDB database of this worker: the state stores' partitions, the view server's."""
        dbs: dict[str, Any] = {}
        for stream, stores in self.app._state_manager.stores.items():  # Quix Streams internals: diagnostic
            step = (str(stream).split("--")[2:3] or [str(stream)])[0]  # repartition__<app>--<from>--<step>--...
            for name, store in stores.items():
                for number, partition in store.partitions.items():
                    dbs[f"state {step}/{name}[{number}]"] = getattr(partition, "_db", None)
        dbs["view server"] = self.server._db
        return heapdump.rocksdb_lines({k: v for k, v in dbs.items() if v is not None})

    def run(self) -> None:
        """Serve the views and process until SIGTERM/SIGINT."""
        self.server.start()
        try:
            self.app.run()
        finally:
            self.server.stop()
            self.encoder.close()


def _header(value: Incoming, name: str) -> bytes | None:
    return last_header(value.headers, name)


def _input_ts(raw: RawMessage) -> bytes:
    return raw.header(INPUT_TS_HEADER) or str(raw.timestamp_ms).encode()


def main(argv: list[str] | None = None) -> None:
    """Process entry point: `python -m domains.care.member360.app worker [-l info]`."""
    parser = argparse.ArgumentParser(prog="python -m domains.care.member360.app")
    parser.add_argument("command", choices=["worker"])
    parser.add_argument("-l", "--loglevel", default="warn")
    args = parser.parse_args(argv)
    level = {"warn": "WARNING"}.get(args.loglevel.lower(), args.loglevel.upper())
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines show registry URLs with credentials
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>`: every thread's stack to the log (a stall?)
    settings = MeshSettings.load()
    processor = Member360Processor.build(Member360Env().config(), settings=settings)
    # `kill -USR2 <pid>` twice: what grew on the Python heap in between and what RocksDB holds, to the log
    heapdump.install(log, extra=processor.rocksdb_memory)
    quix = logging.getLogger("quixstreams")  # Quix Streams configured its own logger (WARNING): follow -l
    quix.setLevel(level)
    for handler in quix.handlers:
        handler.setLevel(level)
    processor.run()


if __name__ == "__main__":
    main()
