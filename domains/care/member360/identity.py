"""Identity resolution: turn claims/clinical events (local IDs) into member events (global member ID).

The membership domain publishes `MemberIdentityLinked(member_id, system, local_id)`. An event that
carries only a local ID (a claim's subscriber number, a visit's MRN) resolves through the link of
`<system>:<local_id>`; if the link has not arrived yet the event waits in that local ID's pending
buffer and is released, in arrival order, when the link arrives.

State lives in one `IdentityEntry` per local key, so a processor can keep it in a table keyed the
same way. It is bounded: the pending buffer of a local ID holds at most `max_pending` events (the
oldest overflow is handed back for a dead-letter topic), and a redelivered event (same id) is not
buffered twice. A link is a fact: a later link for the same local ID (greater linked_at, then event
id) wins for events that arrive afterwards; events already released stay with the earlier member.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from domains.care.member360.events import LOCAL_ID_FIELD, MEMBER_IDENTITY_LINKED, DomainEvent

DEFAULT_MAX_PENDING = 1000


@dataclass(frozen=True, slots=True)
class IdentityEntry:
    """What is known about one local ID: its member (once linked) and the events waiting for it."""

    member_id: str | None = None
    linked_at: datetime | None = None
    link_event_id: str = ""
    pending: tuple[DomainEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome of one step: the new entry, events ready to fold, events dropped from the buffer."""

    entry: IdentityEntry
    ready: tuple[DomainEvent, ...] = ()
    overflow: tuple[DomainEvent, ...] = ()


def local_key(event: DomainEvent) -> str | None:
    """`<system>:<local_id>` for identity links and local-ID events; None for member-ID events."""
    if event.type == MEMBER_IDENTITY_LINKED:
        return f"{event.data['system']}:{event.data['local_id']}"
    where = LOCAL_ID_FIELD.get(event.type)
    if where is None:
        return None
    system, field = where
    return f"{system}:{event.data[field]}"


def on_link(entry: IdentityEntry | None, link: DomainEvent) -> Resolution:
    """Record a `MemberIdentityLinked` event; release the pending events resolved to its member."""
    entry = entry or IdentityEntry()
    at: datetime = link.data["linked_at"]
    if entry.member_id is not None and entry.linked_at is not None and (at, link.id) <= (
        entry.linked_at,
        entry.link_event_id,
    ):
        return Resolution(entry=entry)  # an older link or a redelivery of the current one
    member_id = str(link.data["member_id"])
    ready = tuple(e.for_member(member_id) for e in entry.pending)
    return Resolution(entry=IdentityEntry(member_id=member_id, linked_at=at, link_event_id=link.id), ready=ready)


def on_event(entry: IdentityEntry | None, event: DomainEvent, *, max_pending: int = DEFAULT_MAX_PENDING) -> Resolution:
    """Resolve a local-ID event now if its link is known, else hold it (bounded, no duplicates)."""
    entry = entry or IdentityEntry()
    if entry.member_id is not None:
        return Resolution(entry=entry, ready=(event.for_member(entry.member_id),))
    if any(p.id == event.id and p.source == event.source for p in entry.pending):
        return Resolution(entry=entry)
    pending = (*entry.pending, event)
    overflow = pending[: max(0, len(pending) - max_pending)]
    return Resolution(entry=dataclasses.replace(entry, pending=pending[len(overflow):]), overflow=overflow)


class IdentityResolver:
    """An in-memory resolver over `IdentityEntry`s (tests, replays; processors keep entries in a table)."""

    def __init__(self, *, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self.max_pending = max_pending
        self.entries: dict[str, IdentityEntry] = {}
        self.overflow: list[DomainEvent] = []

    def submit(self, event: DomainEvent) -> tuple[DomainEvent, ...]:
        """Feed any event; returns the events now ready for the fold (possibly none, possibly many)."""
        key = local_key(event)
        if key is None:
            return (event,)
        if event.type == MEMBER_IDENTITY_LINKED:
            result = on_link(self.entries.get(key), event)
        else:
            result = on_event(self.entries.get(key), event, max_pending=self.max_pending)
        self.entries[key] = result.entry
        self.overflow.extend(result.overflow)
        return result.ready

    @property
    def pending_count(self) -> int:
        """Events still waiting for a link."""
        return sum(len(e.pending) for e in self.entries.values())
