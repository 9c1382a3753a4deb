"""Identity resolution: turn claims/clinical events (local IDs) into member events (global member ID).

The membership domain publishes `MemberIdentityLinked(member_id, system, local_id)`. An event that
carries only a local ID (a claim's subscriber number, a visit's MRN) resolves through the link of
`<system>:<local_id>`; if the link has not arrived yet the event waits in that local ID's pending
buffer and is released, in arrival order, when the link arrives.

State lives in one `IdentityEntry` per local key, so a processor can keep it in a table keyed the
same way. It is bounded: the pending buffer of a local ID holds at most `max_pending` events (the
oldest overflow is handed back for a dead-letter topic), and a redelivered event (same id) is not
buffered twice.

Re-links (the rule, also in schemas/membership/member_identity_linked.avsc): of all the links of one
local ID, the one with the greatest `linked_at` wins, for *every* event of that local ID, whenever it
arrived; on a tie in `linked_at` the greater `member_id` wins (then the greater event id, which names
the same member or changes nothing). A winning link that moves a local ID from member A to member B
retracts the local ID's resolved events from A (`Resolution.retract`, folded out by `fold.retract`)
and releases them to B; a losing link changes nothing, whenever it arrives. So the views are a
function of the set of events. To move them, an entry keeps the local ID's resolved events
(`resolved`, deduplicated by id and source), like the pending buffer but unbounded: memory grows with
the local ID's claims and visits.
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
    resolved: tuple[DomainEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome of one step: the new entry, events ready to fold, events dropped from the buffer.

    `retract`: events (resolved to the member they leave) to fold out of that member's view first.
    """

    entry: IdentityEntry
    ready: tuple[DomainEvent, ...] = ()
    overflow: tuple[DomainEvent, ...] = ()
    retract: tuple[DomainEvent, ...] = ()


def local_key(event: DomainEvent) -> str | None:
    """`<system>:<local_id>` for identity links and local-ID events; None for member-ID events."""
    if event.type == MEMBER_IDENTITY_LINKED:
        return f"{event.data['system']}:{event.data['local_id']}"
    where = LOCAL_ID_FIELD.get(event.type)
    if where is None:
        return None
    system, field = where
    return f"{system}:{event.data[field]}"


def link_rank(linked_at: datetime, member_id: str, event_id: str) -> tuple[datetime, str, str]:
    """The order of a local ID's links: the greatest wins (latest linked_at, then greater member_id)."""
    return (linked_at, member_id, event_id)


def on_link(entry: IdentityEntry | None, link: DomainEvent) -> Resolution:
    """Record a `MemberIdentityLinked` event if it wins (`link_rank`); move the local ID's events to it.

    Pending events are released to the winner; events resolved to an earlier (losing) member are
    retracted from it and released to the winner. A losing link or a redelivery changes nothing.
    """
    entry = entry or IdentityEntry()
    at: datetime = link.data["linked_at"]
    member_id = str(link.data["member_id"])
    if entry.member_id is not None and entry.linked_at is not None and link_rank(at, member_id, link.id) <= (
        link_rank(entry.linked_at, entry.member_id, entry.link_event_id)
    ):
        return Resolution(entry=entry)  # an older (losing) link or a redelivery of the current one
    moved = entry.resolved if entry.member_id != member_id else ()
    ready = tuple(e.for_member(member_id) for e in (*moved, *entry.pending))
    resolved = (*(() if moved else entry.resolved), *ready)  # all resolved to the winner
    return Resolution(entry=IdentityEntry(member_id=member_id, linked_at=at, link_event_id=link.id,
                                          resolved=resolved), ready=ready, retract=moved)


def on_event(entry: IdentityEntry | None, event: DomainEvent, *, max_pending: int = DEFAULT_MAX_PENDING) -> Resolution:
    """Resolve a local-ID event now if its link is known, else hold it (bounded, no duplicates)."""
    entry = entry or IdentityEntry()
    if entry.member_id is not None:
        resolved = event.for_member(entry.member_id)
        if any(p.id == event.id and p.source == event.source for p in entry.resolved):
            return Resolution(entry=entry, ready=(resolved,))  # a redelivery: the fold is idempotent
        return Resolution(entry=dataclasses.replace(entry, resolved=(*entry.resolved, resolved)), ready=(resolved,))
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
        self.retracted: list[DomainEvent] = []
        self.step_retract: tuple[DomainEvent, ...] = ()

    def submit(self, event: DomainEvent) -> tuple[DomainEvent, ...]:
        """Feed any event; returns the events now ready for the fold (possibly none, possibly many).

        Events a re-link moved away from their member are in `step_retract` (this step's) and `retracted`.
        """
        self.step_retract = ()
        key = local_key(event)
        if key is None:
            return (event,)
        if event.type == MEMBER_IDENTITY_LINKED:
            result = on_link(self.entries.get(key), event)
        else:
            result = on_event(self.entries.get(key), event, max_pending=self.max_pending)
        self.entries[key] = result.entry
        self.overflow.extend(result.overflow)
        self.step_retract = result.retract
        self.retracted.extend(result.retract)
        return result.ready

    @property
    def pending_count(self) -> int:
        """Events still waiting for a link."""
        return sum(len(e.pending) for e in self.entries.values())
