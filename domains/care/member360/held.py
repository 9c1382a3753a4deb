"""The identity table's values: one local ID's link and its waiting events, and their codecs.

Held events are kept as the raw Kafka messages (bytes, headers, where they were read), not decoded:
they are decoded again when their link arrives, and a buffer overflow dead-letters them byte for byte.
Each waiting event is a record of its own in the same table, under `held_key(local ID, sequence
number)` (a local ID never holds a NUL); the local ID's `HeldEntry` keeps their range and an 8-byte
digest of each one's CloudEvent source and id (`waiting_ids`), so a waiting event costs two small
records (its own, the entry's) and a redelivery is recognised without reading the others. (Entries of
format 2 kept the first waiting events inline, `pending`, rewritten with each one: a local ID's Nth
waiting event cost O(N) to decode, scan and encode again, the resolve step's largest cost at 10,000+
members. They still load; their inline events stay there until released, and their records' digests
are computed once, on their next waiting event.) A digest collision (2**-64 per pair of events of one
local ID) would take an event for a redelivery.
Values are written to the processor's state (RocksDB, and its changelog topic) by these functions as
binary Avro records (`changelog`; JSON records of earlier versions still load). What an event does to
an entry is decided by the pure `hold` and `link` steps at the end of this module: the processor only
applies the step they return.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domains.care.member360 import changelog, state
from domains.care.member360.events import DomainEvent
from domains.care.member360.identity import IdentityEntry, on_link
from domains.care.member360.view import MemberView
from mesh.processing.bridge import RawMessage


@dataclass(frozen=True, slots=True)
class HeldEntry:
    """What is known about one local ID: its member (once linked) and where its waiting events are.

    Waiting events, oldest first: `pending` (inline: entries of format 2 only), then the same table's
    records `held_key(local ID, n)` for n in [held_from, held_to) (one may be missing after a crash
    between two writes: it is skipped), whose `waiting_id`s are `waiting_ids` in that order (None: an
    entry of format 2 with records, their ids not known without reading them).
    """

    member_id: str | None = None
    linked_at: datetime | None = None
    link_event_id: str = ""
    pending: tuple[RawMessage, ...] = ()
    held_from: int = 0
    held_to: int = 0
    waiting_ids: bytes | None = b""

    @property
    def waiting(self) -> int:
        """How many events wait for this local ID's link."""
        return len(self.pending) + self.held_to - self.held_from


ID_BYTES = 8
"""Bytes of a waiting event's digest in `HeldEntry.waiting_ids`."""


def waiting_id(raw: RawMessage) -> bytes:
    """The digest of a message's CloudEvent source and id: the same for every delivery of one event."""
    return hashlib.blake2b((raw.header("ce_source") or b"") + b"\x00" + (raw.header("ce_id") or b""),
                           digest_size=ID_BYTES).digest()


def has_id(ids: bytes, wanted: bytes) -> bool:
    """Whether `wanted` is one of the ID_BYTES-long digests that make up `ids`."""
    at = ids.find(wanted)
    while at >= 0 and at % ID_BYTES:  # a match across two digests: look on
        at = ids.find(wanted, at + 1)
    return at >= 0


def held_key(local_key: bytes, sequence: int) -> bytes:
    """The identity-table key of a local ID's waiting event number `sequence` (beside the local ID's own)."""
    return local_key + b"\x00" + sequence.to_bytes(8, "big")


def forwarded_key(local_key: bytes, sequence: int | None = None) -> bytes:
    """Where the events forwarded for a local ID are kept (to move them on a re-link): their count
    (`sequence` None, 8 bytes big-endian) and event number `sequence` (a `dump_held` record)."""
    suffix = b"" if sequence is None else sequence.to_bytes(8, "big")
    return local_key + b"\x01" + suffix


def dump_raw(raw: RawMessage) -> bytes:
    """The changelog bytes of one waiting event (binary: `changelog.RAW_SCHEMA`)."""
    return changelog.dump_raw(raw)


def load_raw(data: bytes) -> RawMessage:
    """The waiting event `dump_raw` wrote."""
    return RawMessage(**changelog.load_raw(data))


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def _raw_dump(raw: RawMessage) -> dict[str, Any]:
    return {"t": raw.topic, "p": raw.partition, "o": raw.offset, "k": _b64(raw.key), "v": _b64(raw.value),
            "h": [[name, _b64(value)] for name, value in raw.headers], "ts": raw.timestamp_ms}


def _raw_load(data: dict[str, Any]) -> RawMessage:
    return RawMessage(topic=data["t"], partition=data["p"], offset=data["o"], key=_unb64(data["k"]),
                      value=_unb64(data["v"]), headers=tuple((n, _unb64(v) or b"") for n, v in data["h"]),
                      timestamp_ms=data["ts"])


def dump_held(entry: HeldEntry | RawMessage) -> bytes:
    """The changelog bytes of an entry (binary: `changelog.HELD_SCHEMA`) or of a waiting event of its own."""
    if isinstance(entry, RawMessage):
        return dump_raw(entry)
    if entry.waiting_ids is None:
        raise ValueError("A format-2 entry's waiting ids are unknown: `hold` computes them before writing it")
    return changelog.dump_held_record(changelog.held_record(
        entry.member_id, entry.linked_at, entry.link_event_id, entry.pending, entry.held_from, entry.held_to,
        entry.waiting_ids))


def load_held(data: bytes) -> Any:
    """The entry or waiting event `dump_held` wrote (or the JSON entry of earlier versions)."""
    if data[:1] == b"{":
        return _load_held_json(data)
    if data[:1] == changelog.RAW_FORMAT:
        return load_raw(data)
    record = changelog.load_held_record(data)
    return HeldEntry(member_id=record["member_id"], linked_at=record["linked_at"],
                     link_event_id=record["link_event_id"],
                     pending=tuple(RawMessage(**raw) for raw in record["pending"]),
                     held_from=record["held_from"], held_to=record["held_to"], waiting_ids=record["waiting_ids"])


class EntryCache:
    """The entries last read or written per local ID, with their bytes: an entry read back as the same
    bytes is not decoded again.

    A waiting event rewrites its local ID's entry, and the next event of that local ID reads it back
    (decoding format-2 entries' inline events each time was the resolve step's largest cost,
    bench/README.md, seventh session). Decoding is a pure function of the bytes, so a hit needs only
    bytes equal to the ones cached (whoever wrote them: a rebalance or a recovery cannot make it wrong).
    Bounded: past `limit` local IDs or `max_bytes` of cached records it starts empty again (an entry of
    format 2 may hold 32 KB of inline events, taking about three times that decoded).
    """

    def __init__(self, limit: int = 4096, max_bytes: int = 4 * 1024 * 1024) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._entries: dict[bytes, tuple[bytes, Any]] = {}
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def load(self, key: bytes, data: bytes) -> Any:
        """`load_held(data)`, unless `data` is what this cache last saw for `key`."""
        found = self._entries.get(key)
        if found is not None and (found[0] is data or found[0] == data):
            return found[1]
        entry = load_held(data)
        self._keep(key, data, entry)
        return entry

    def dump(self, key: bytes, entry: HeldEntry) -> bytes:
        """`dump_held(entry)`, remembered as `key`'s current bytes."""
        data = dump_held(entry)
        self._keep(key, data, entry)
        return data

    def _keep(self, key: bytes, data: bytes, entry: Any) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old[0])
        if len(self._entries) >= self.limit or self._bytes + len(data) > self.max_bytes:
            self._entries, self._bytes = {}, 0
        self._entries[key] = (data, entry)
        self._bytes += len(data)


def dump_held_json(entry: HeldEntry) -> bytes:
    """The JSON changelog bytes earlier versions wrote (kept to prove they still load)."""
    return json.dumps({
        "m": entry.member_id, "at": None if entry.linked_at is None else entry.linked_at.isoformat(),
        "l": entry.link_event_id, "p": [_raw_dump(r) for r in entry.pending],
    }, separators=(",", ":")).encode()


def _load_held_json(data: bytes) -> HeldEntry:
    doc = json.loads(data)
    return HeldEntry(member_id=doc["m"], linked_at=None if doc["at"] is None else datetime.fromisoformat(doc["at"]),
                     link_event_id=doc["l"], pending=tuple(_raw_load(r) for r in doc["p"]))


def dump_view(view: MemberView) -> bytes:
    """The changelog bytes of a member's fold state (binary: `changelog.STATE_SCHEMA`)."""
    return changelog.dump_state(view)


def load_view(data: bytes) -> MemberView:
    """The view `dump_view` wrote (or the JSON of earlier versions)."""
    if data[:1] == b"{":
        return state.load(json.loads(data))
    return changelog.load_state(data)


def dump_view_json(view: MemberView) -> bytes:
    """The JSON changelog bytes earlier versions wrote (kept to prove they still load)."""
    return json.dumps(state.dump(view), separators=(",", ":")).encode()


# -- the held-event logic, pure: the processor calls these and applies the step they return -------------
@dataclass(frozen=True, slots=True)
class HeldStep:
    """What one event does to a local ID's entry, for the caller to apply (state writes, sends)."""

    entry: HeldEntry
    forward: tuple[RawMessage, ...] = ()
    """Events resolved to `entry.member_id`: send them on to the fold, in this order."""
    store: tuple[tuple[int, RawMessage], ...] = ()
    """Waiting events to write as records of their own, under `held_key(local ID, n)`."""
    forget: tuple[int, ...] = ()
    """Record numbers to delete."""
    overflow: tuple[RawMessage, ...] = ()
    """The oldest waiting events beyond the bound: dead-letter them."""
    changed: bool = True


def waiting_events(entry: HeldEntry, held: Mapping[int, RawMessage]) -> list[RawMessage]:
    """The events waiting in `entry`, oldest first (`held`: its records present, by number)."""
    return [*entry.pending, *(held[n] for n in range(entry.held_from, entry.held_to) if n in held)]


def hold(entry: HeldEntry | None, raw: RawMessage, held: Mapping[int, RawMessage], *, max_pending: int) -> HeldStep:
    """A claim or visit of a local ID: forward it once linked, else hold it (deduplicated, bounded).

    `raw.header("ce_id")`/`ce_source` identify a redelivery of an event already waiting. `held`: the
    local ID's waiting records by number; read only for the ones that overflow (and, once, all of them
    for an entry of format 2), so the caller may pass a mapping that reads them on demand.
    """
    entry = entry or HeldEntry()
    if entry.member_id is not None:
        return HeldStep(entry, forward=(raw,), changed=False)
    wanted = waiting_id(raw)
    ids = entry.waiting_ids
    if ids is None:  # format 2: its records' ids, once
        ids = b"".join(waiting_id(held[n]) if n in held else bytes(ID_BYTES)
                       for n in range(entry.held_from, entry.held_to))
    if has_id(ids, wanted) or (entry.pending and any(waiting_id(r) == wanted for r in entry.pending)):
        if entry.waiting_ids is None:  # keep the ids just computed: the next event reads no record
            return HeldStep(replace(entry, waiting_ids=ids))
        return HeldStep(entry, changed=False)
    store = [(entry.held_to, raw)]
    pending, held_from, held_to, ids = entry.pending, entry.held_from, entry.held_to + 1, ids + wanted
    overflow: list[RawMessage] = []
    forget: list[int] = []
    while len(pending) + held_to - held_from > max_pending:  # the oldest go first
        if pending:
            overflow.append(pending[0])
            pending = pending[1:]
            continue
        dropped = raw if held_from == entry.held_to else held.get(held_from)
        if held_from < entry.held_to:
            forget.append(held_from)
        held_from += 1
        ids = ids[ID_BYTES:]
        if dropped is not None:
            overflow.append(dropped)
    stored = tuple((n, r) for n, r in store if n >= held_from)
    return HeldStep(HeldEntry(pending=pending, held_from=held_from, held_to=held_to, waiting_ids=ids), store=stored,
                    forget=tuple(n for n in forget if n in held), overflow=tuple(overflow))


def link(entry: HeldEntry | None, link_event: DomainEvent, held: Mapping[int, RawMessage]) -> HeldStep:
    """An identity link of this local ID: record it if it wins, and release every waiting event.

    A link wins over the current one with a greater `identity.link_rank` (linked_at, then member_id);
    a redelivered or losing link changes nothing (see `identity.on_link`). Events forwarded earlier to
    another member are moved by the processor, which keeps them (`forwarded_key`).
    """
    current = None if entry is None or entry.member_id is None else IdentityEntry(
        member_id=entry.member_id, linked_at=entry.linked_at, link_event_id=entry.link_event_id)
    result = on_link(current, link_event)
    if entry is not None and current is not None and result.entry is current:
        return HeldStep(entry, changed=False)
    waiting = waiting_events(entry, held) if entry is not None else []
    forget = tuple(range(entry.held_from, entry.held_to)) if entry is not None else ()
    linked = HeldEntry(member_id=str(result.entry.member_id), linked_at=result.entry.linked_at,
                       link_event_id=result.entry.link_event_id)
    return HeldStep(linked, forward=tuple(waiting), forget=forget)
