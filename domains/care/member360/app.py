"""The member-360 stream processor (faust): resolve identities, fold per member, publish, serve over HTTP.

Topology (every table is written only from events of its own partition):

    member_identity (key member_id) --links--> <app>-links-by-local-id (key local ID)
    claims (key subscriber no.) + visits (key MRN) + links-by-local-id
        --resolve [table identities: local ID -> link + held raw events; a backlog's further ones, one each]
        --> <app>-resolved-by-member (key member_id)
    members (key member_id) + resolved-by-member
        --fold [table views: member_id -> MemberView]--> member_360 (compacted, key member_id)

Re-keyed records get their partition from `consistent_partition` (the SDK producer's partitioner), so
links land on the partition of the claims/visits of the same local ID, and resolved events on the
partition of the same member's membership events. Claims and visits whose link has not arrived are held
in the identity table's entry (the first few), then in the same table one record each (see held.py;
bounded per local ID, overflow is dead-lettered), and released when it arrives.

At-least-once with idempotent folds: the fold (`fold.apply`) keeps keyed facts, so a replayed event
changes nothing; its tracking is the view state itself, restored from the `views` changelog. A released
batch is on the broker before the link is recorded, so a crash in between releases it again (harmless)
rather than losing it. Every folded event republishes the member's view (unchanged ones too), so a view
whose output was lost in a crash is written again on replay. Run: `python -m domains.care.member360.app worker`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import faust

from domains.care.member360 import events as ev
from domains.care.member360.config import SCHEMA, Member360Config, Member360Env
from domains.care.member360.fold import apply, handles
from domains.care.member360.held import (
    INLINE_BYTES,
    HeldEntry,
    dump_held,
    dump_view,
    held_key,
    is_waiting,
    load_held,
    load_view,
    raw_size,
)
from domains.care.member360.identity import IdentityEntry, local_key, on_link
from domains.care.member360.view import MemberView, render
from mesh.core.errors import ProcessingError
from mesh.core.naming import dlq_topic, event_type
from mesh.core.settings import MeshSettings
from mesh.processing.app import make_app
from mesh.processing.bridge import POISON, EventDecoder, EventEncoder, RawMessage, event_time, raw_message
from mesh.processing.deadletters import DeadLetters
from mesh.processing.partitioning import consistent_partition
from mesh.processing.tables import table_value_type
from mesh.processing.topics import check_copartitioned, ensure_topics, partition_counts
from mesh.processing.web import json_response

log = logging.getLogger(__name__)

MEMBER_360 = event_type("care", "Member360", 1)
MEMBER_HEADER = "mesh_member_id"
# Kafka timestamp (ms) from which freshness counts: the input event's, or its link's when it had to wait
INPUT_TS_HEADER = "mesh_input_ts"


class Member360Processor:
    """Builds the faust app, its tables, agents and web views for one configuration.

    `build()` checks and creates topics and resolves the output schema id (network); the constructor
    only wires (given the partition counts).
    """

    def __init__(self, config: Member360Config, *, settings: MeshSettings, local_partitions: int,
                 member_partitions: int, output_partitions: int) -> None:
        self.config = config
        self.counts: Counter[str] = Counter()
        self.local_partitions = local_partitions
        self.member_partitions = member_partitions
        self.output_partitions = output_partitions
        self.decoder = EventDecoder(settings=settings)
        self.encoder = EventEncoder(config.output_topic, SCHEMA, source=config.source, settings=settings,
                                    register=config.register_schema)
        app = make_app(config.app_id, settings=settings, datadir=config.datadir, web_port=config.web_port,
                       web_host=config.web_host, replication_factor=config.replication_factor)
        self.app = app
        raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw",
                               "value_serializer": "raw"}
        # local ID -> HeldEntry, and held_key(local ID, n) -> a waiting event of its own (see held.py): one
        # table, since every table costs the worker on its own (a second one measured ~2x freshness p50)
        self.identities = app.Table("identities", partitions=local_partitions, key_type=bytes,
                                    value_type=table_value_type("member360-held", dumps=dump_held, loads=load_held))
        self.views = app.Table("views", partitions=member_partitions, key_type=bytes,
                               value_type=table_value_type("member360-view", dumps=dump_view, loads=load_view))
        app.agent(app.topic(config.identity_topic, **raw), name="links")(self._links)
        app.agent(app.topic(config.claims_topic, config.visits_topic, config.links_topic, **raw),
                  name="resolve")(self._resolve)
        app.agent(app.topic(config.members_topic, config.resolved_topic, **raw), name="fold")(self._fold)

        # faust makes a View class of a plain function (its first argument is the view): wrap the methods
        async def member_page(view: Any, request: Any, member_id: str) -> Any:
            return self._member_page(view, member_id)

        async def stats_page(view: Any, request: Any) -> Any:
            return json_response(view, {**self.counts, "members": len(self.views), "ready": int(self._ready())})

        app.page("/members/{member_id}")(member_page)
        app.page("/stats")(stats_page)
        self._dead: DeadLetters | None = None

    @classmethod
    def build(cls, config: Member360Config, *, settings: MeshSettings) -> Member360Processor:
        """Check co-partitioning, create internal and DLQ topics, resolve the output schema: then wire."""
        counts = partition_counts(settings, [*config.input_topics, config.output_topic])
        local = check_copartitioned(counts, [config.claims_topic, config.visits_topic])
        members = counts[config.members_topic]
        wanted = {config.links_topic: local, config.resolved_topic: members}
        wanted.update({dlq_topic(t): counts[t] for t in config.input_topics})
        # Events re-read from the repartition topics can fail too (e.g. a registry that lost their schema):
        # their DLQs must exist, or faust's producer waits for them forever (auto-creation is off).
        wanted.update({dlq_topic(config.links_topic): local, dlq_topic(config.resolved_topic): members})
        ensure_topics(settings, wanted, replication_factor=config.replication_factor)
        processor = cls(config, settings=settings, local_partitions=local, member_partitions=members,
                        output_partitions=counts[config.output_topic])
        processor.encoder.start()
        return processor

    # -- helpers -----------------------------------------------------------------------------------------
    def _ready(self) -> bool:
        """Partitions assigned and tables recovered: events read from now on are processed at once."""
        app = self.app
        recovered = app.tables.recovery.completed.is_set()  # type: ignore[attr-defined]  # TableManager has it
        return bool(recovered and not app.rebalancing and app.consumer.assignment())

    @property
    def dead(self) -> DeadLetters:
        if self._dead is None:
            self._dead = DeadLetters(self.app.producer)
        return self._dead

    def _decode(self, raw: RawMessage) -> ev.DomainEvent:
        event = self.decoder.decode(raw)
        member = raw.header(MEMBER_HEADER)
        return ev.DomainEvent(id=event.id, type=event.type, source=event.source, time=event_time(event),
                              data=event.data, member_id=None if member is None else member.decode())

    async def _decoded(self, raw: RawMessage) -> ev.DomainEvent | None:
        """The event of `raw`, or None after dead-lettering it when it cannot be decoded."""
        self.counts["in"] += 1
        try:
            return self._decode(raw)
        except POISON as exc:
            await self.dead.send(raw, exc)
            self.counts["dead_lettered"] += 1
            return None

    def _input_ts(self, raw: RawMessage) -> bytes:
        return raw.header(INPUT_TS_HEADER) or str(raw.timestamp_ms).encode()

    async def _forward(self, raw: RawMessage, member_id: str, *, resolvable_ts: bytes | None = None) -> Any:
        """Send a resolved event (original bytes and headers) to the fold, keyed by its member.

        `resolvable_ts`: for a held event, when its link arrived (freshness counts from there: waiting
        for data that has not arrived is not processing latency).
        """
        key = member_id.encode()
        headers = [h for h in raw.headers if h[0] not in (MEMBER_HEADER, INPUT_TS_HEADER)]
        headers += [(MEMBER_HEADER, key), (INPUT_TS_HEADER, resolvable_ts or self._input_ts(raw))]
        self.counts["resolved"] += 1
        return await self.app.producer.send(self.config.resolved_topic, key, raw.value,
                                            consistent_partition(key, self.member_partitions), None, headers)

    # -- agents ------------------------------------------------------------------------------------------
    async def _links(self, stream: Any) -> None:
        """Re-key identity links by local ID, onto the partition of that local ID's claims or visits."""
        async for event in stream.events():
            raw = raw_message(event.message)
            link = await self._decoded(raw)
            if link is None or link.type != ev.MEMBER_IDENTITY_LINKED:
                continue
            key = str(link.data["local_id"]).encode()
            headers = [*raw.headers, (INPUT_TS_HEADER, self._input_ts(raw))]
            await self.app.producer.send(self.config.links_topic, key, raw.value,
                                         consistent_partition(key, self.local_partitions), None, headers)

    async def _resolve(self, stream: Any) -> None:
        """Resolve claims and visits to members; hold them until their link arrives."""
        async for event in stream.events():
            raw = raw_message(event.message)
            domain_event = await self._decoded(raw)
            if domain_event is None:
                continue
            if domain_event.type == ev.MEMBER_IDENTITY_LINKED:
                await self._on_link(domain_event, self._input_ts(raw))
            elif domain_event.type in ev.LOCAL_ID_FIELD:
                await self._on_local_event(raw, domain_event)
            else:
                self.counts["skipped"] += 1  # an event type this processor does not know: not ours to judge

    def _waiting(self, key: bytes, entry: HeldEntry) -> list[RawMessage]:
        """The raw events waiting for `key`'s link, oldest first."""
        held = self.identities
        raws = list(entry.pending)
        for sequence in range(entry.held_from, entry.held_to):
            raw: RawMessage | None = held.get(held_key(key, sequence))
            if raw is not None:  # None: lost between two writes in a crash, before its offset was committed
                raws.append(raw)
        return raws

    def _forget_waiting(self, key: bytes, entry: HeldEntry) -> None:
        held = self.identities
        for sequence in range(entry.held_from, entry.held_to):
            held.pop(held_key(key, sequence), None)

    async def _on_link(self, link: ev.DomainEvent, link_ts: bytes) -> None:
        key = str(local_key(link)).encode()
        entry: HeldEntry | None = self.identities.get(key)
        current = None if entry is None or entry.member_id is None else IdentityEntry(
            member_id=entry.member_id, linked_at=entry.linked_at, link_event_id=entry.link_event_id)
        result = on_link(current, link)
        if current is not None and result.entry is current:
            return  # an older link or a redelivery of the current one
        member_id = str(result.entry.member_id)
        waiting = self._waiting(key, entry) if entry is not None else []
        released = [await self._forward(raw, member_id, resolvable_ts=link_ts) for raw in waiting]
        if released:  # on the broker before the link is recorded: a crash here releases them again
            await asyncio.gather(*released)
            self.counts["released"] += len(released)
        if entry is not None:
            self._forget_waiting(key, entry)
        self.identities[key] = HeldEntry(member_id=member_id, linked_at=result.entry.linked_at,
                                         link_event_id=result.entry.link_event_id)

    async def _on_local_event(self, raw: RawMessage, event: ev.DomainEvent) -> None:
        try:
            key = str(local_key(event)).encode()
        except KeyError as exc:
            await self._dead_letter(raw, f"Event {event.id!r} of type {event.type!r} lacks its local ID field {exc}")
            return
        entry: HeldEntry | None = self.identities.get(key)
        if entry is not None and entry.member_id is not None:
            await self._forward(raw, entry.member_id)
            return
        entry = entry or HeldEntry()
        if is_waiting(self._waiting(key, entry), event.id, event.source):
            return  # a redelivery of an event already waiting
        if entry.held_from == entry.held_to and sum(map(raw_size, entry.pending)) + raw_size(raw) <= INLINE_BYTES:
            pending, held_from, held_to = (*entry.pending, raw), entry.held_from, entry.held_to
        else:
            # a record of its own, then the entry that counts it: a crash between the two leaves an uncounted
            # record (overwritten when the event is redelivered), never a counted one that is missing
            self.identities[held_key(key, entry.held_to)] = raw
            pending, held_from, held_to = entry.pending, entry.held_from, entry.held_to + 1
        while len(pending) + held_to - held_from > self.config.max_pending:  # the oldest is dead-lettered
            if pending:
                dropped, pending = pending[0], pending[1:]
            else:
                dropped = self.identities.pop(held_key(key, held_from), None)
                held_from += 1
                if dropped is None:
                    continue
            await self._dead_letter(dropped, (
                f"No identity link for local ID {key.decode()!r} arrived while {self.config.max_pending} "
                f"later events of it waited; this event cannot be resolved to a member"))
        self.identities[key] = HeldEntry(pending=pending, held_from=held_from, held_to=held_to)
        self.counts["held"] += 1

    async def _dead_letter(self, raw: RawMessage, reason: str) -> None:
        error = ProcessingError(reason, hint="publish the MemberIdentityLinked event of this local ID, then "
                                "replay the dead letter onto its original topic")
        await self.dead.send(raw, error)
        self.counts["dead_lettered"] += 1

    async def _fold(self, stream: Any) -> None:
        """Fold membership and resolved events into the member's view; publish the view each time."""
        views = self.views
        async for event in stream.events():
            raw = raw_message(event.message)
            domain_event = await self._decoded(raw)
            if domain_event is None or not handles(domain_event.type):
                continue
            member_id = domain_event.resolved_member_id
            if member_id is None:
                await self._dead_letter(raw, f"Event {domain_event.id!r} names no member")
                continue
            key = member_id.encode()
            old: MemberView | None = views.get(key)
            try:
                new = apply(old, domain_event)
            except (KeyError, TypeError, ValueError) as exc:
                await self._dead_letter(raw, f"Event {domain_event.id!r} cannot be folded: {exc!r}")
                continue
            if new != old:
                views[key] = new
            value, headers = self.encoder.encode(MEMBER_360, render(new), time=new.updated_at,
                                                 extra_headers=[(INPUT_TS_HEADER, self._input_ts(raw))])
            await self.app.producer.send(self.config.output_topic, key, value,
                                         consistent_partition(key, self.output_partitions), None, headers)
            self.counts["published"] += 1

    # -- web -----------------------------------------------------------------------------------------------
    def _member_page(self, web: Any, member_id: str) -> Any:
        view: MemberView | None = self.views.get(member_id.encode())
        if view is None:
            return json_response(web, {"error": f"no view for member {member_id!r}"}, status=404)
        return json_response(web, render(view))


def main() -> None:
    """Process entry point: `python -m domains.care.member360.app worker [-l info]`."""
    settings = MeshSettings.load()
    processor = Member360Processor.build(Member360Env().config(), settings=settings)
    app: faust.App = processor.app
    app.main()


if __name__ == "__main__":
    main()
