"""The identity table's values: one local ID's link and its waiting events, and their codecs.

Held events are kept as the raw Kafka messages (bytes, headers, where they were read), not decoded:
they are decoded again when their link arrives, and a buffer overflow dead-letters them byte for byte.
The first waiting events of a local ID travel inline in its `HeldEntry` (`pending`, rewritten with
each one) up to `INLINE_BYTES`; the rest are records of their own in the same table, under
`held_key(local ID, sequence number)` (a local ID never holds a NUL), the entry keeping their range.
A short wait (the common case: a link a moment behind its first claims) costs one changelog record
per held event, as inline only did; a backlog costs two small records per event instead of an entry
that grows with each one (quadratic changelog bytes, and past Kafka's 1 MB record limit after some
hundreds of events, which crashed the worker's producer). Entries of earlier versions (inline only)
load and release the same way.
Values are written to the processor's state (RocksDB, and its changelog topic) by these functions as
binary Avro records (`changelog`; JSON records of earlier versions still load). What an event does to
an entry is decided by the pure `hold` and `link` steps at the end of this module: the processor only
applies the step they return.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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

    Waiting events, oldest first: `pending` (inline, up to `INLINE_BYTES`), then the same table's
    records `held_key(local ID, n)` for n in [held_from, held_to) (one may be missing after a crash
    between two writes: it is skipped).
    """

    member_id: str | None = None
    linked_at: datetime | None = None
    link_event_id: str = ""
    pending: tuple[RawMessage, ...] = ()
    held_from: int = 0
    held_to: int = 0

    @property
    def waiting(self) -> int:
        """How many events wait for this local ID's link."""
        return len(self.pending) + self.held_to - self.held_from


INLINE_BYTES = 32 * 1024
"""Waiting events kept inline in their entry up to about this many bytes (then one record each)."""


def raw_size(raw: RawMessage) -> int:
    """About the bytes `raw` adds to a changelog record."""
    return (len(raw.value or b"") + len(raw.key or b"") + len(raw.topic) + 24
            + sum(len(name) + len(value) + 2 for name, value in raw.headers))


def held_key(local_key: bytes, sequence: int) -> bytes:
    """The identity-table key of a local ID's waiting event number `sequence` (beside the local ID's own)."""
    return local_key + b"\x00" + sequence.to_bytes(8, "big")


def forwarded_key(local_key: bytes, sequence: int | None = None) -> bytes:
    """Where the events forwarded for a local ID are kept (to move them on a re-link): their count
    (`sequence` None, 8 bytes big-endian) and event number `sequence` (a `dump_held` record)."""
    suffix = b"" if sequence is None else sequence.to_bytes(8, "big")
    return local_key + b"\x01" + suffix


def is_waiting(raws: Iterable[RawMessage], event_id: str, source: str) -> bool:
    """Whether an event with this CloudEvent id and source is among `raws` (a redelivery)."""
    want_id, want_source = event_id.encode(), source.encode()
    return any(r.header("ce_id") == want_id and r.header("ce_source") == want_source for r in raws)


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
    return changelog.dump_held_record(changelog.held_record(
        entry.member_id, entry.linked_at, entry.link_event_id, entry.pending, entry.held_from, entry.held_to))


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
                     held_from=record["held_from"], held_to=record["held_to"])


class EntryCache:
    """The entries last read or written per local ID, with their bytes: an entry read back as the same
    bytes is not decoded again.

    A waiting event rewrites its local ID's entry with every inline event, and the next event of that
    local ID reads it back: decoding the inline events each time was the resolve step's largest cost
    (bench/README.md, seventh session). Decoding is a pure function of the bytes, so a hit needs only
    bytes equal to the ones cached (whoever wrote them: a rebalance or a recovery cannot make it wrong).
    Bounded: past `limit` local IDs or `max_bytes` of cached records it starts empty again (a waiting
    entry is up to `INLINE_BYTES`, and its decoded events take about three times their bytes in memory).
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

    `raw.header("ce_id")`/`ce_source` identify a redelivery of an event already waiting.
    """
    entry = entry or HeldEntry()
    if entry.member_id is not None:
        return HeldStep(entry, forward=(raw,), changed=False)
    event_id, source = (raw.header("ce_id") or b"").decode(), (raw.header("ce_source") or b"").decode()
    if is_waiting(waiting_events(entry, held), event_id, source):
        return HeldStep(entry, changed=False)
    store: list[tuple[int, RawMessage]] = []
    if entry.held_from == entry.held_to and sum(map(raw_size, entry.pending)) + raw_size(raw) <= INLINE_BYTES:
        pending, held_from, held_to = (*entry.pending, raw), entry.held_from, entry.held_to
    else:
        store.append((entry.held_to, raw))
        pending, held_from, held_to = entry.pending, entry.held_from, entry.held_to + 1
    records = {**held, entry.held_to: raw}
    overflow: list[RawMessage] = []
    forget: list[int] = []
    while len(pending) + held_to - held_from > max_pending:  # the oldest go first
        if pending:
            overflow.append(pending[0])
            pending = pending[1:]
            continue
        dropped = records.get(held_from)
        forget.append(held_from)
        held_from += 1
        if dropped is not None:
            overflow.append(dropped)
    stored = tuple((n, r) for n, r in store if n >= held_from)
    return HeldStep(HeldEntry(pending=pending, held_from=held_from, held_to=held_to), store=stored,
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
