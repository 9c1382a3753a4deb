"""The whole member-360 pipeline in memory: resolve identities, fold, render (the processor's reference)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domains.care.member360.events import DomainEvent
from domains.care.member360.fold import apply, handles, retract
from domains.care.member360.identity import DEFAULT_MAX_PENDING, IdentityResolver
from domains.care.member360.view import MemberView, render


@dataclass
class Replay:
    """Feeds events in arrival order through identity resolution into the fold."""

    max_pending: int = DEFAULT_MAX_PENDING
    views: dict[str, MemberView] = field(default_factory=dict)
    resolver: IdentityResolver = field(init=False)

    def __post_init__(self) -> None:
        self.resolver = IdentityResolver(max_pending=self.max_pending)

    def submit(self, event: DomainEvent) -> None:
        """Resolve one arriving event; fold out what a re-link moved away, then fold what became ready."""
        ready_events = self.resolver.submit(event)
        for moved in self.resolver.step_retract:
            member_id = moved.resolved_member_id
            assert member_id is not None  # retracted events carry the member they leave
            view = retract(self.views.get(member_id), moved)
            if view is None:
                self.views.pop(member_id, None)
            else:
                self.views[member_id] = view
        for ready in ready_events:
            if handles(ready.type):
                member_id = ready.resolved_member_id
                assert member_id is not None  # the resolver only releases resolved events
                self.views[member_id] = apply(self.views.get(member_id), ready)

    def records(self) -> dict[str, dict[str, Any]]:
        """The rendered member-360 record of every member seen so far."""
        return {member_id: render(view) for member_id, view in self.views.items()}


def replay(events: Iterable[DomainEvent], *, max_pending: int = DEFAULT_MAX_PENDING) -> Replay:
    """Run every event through a fresh `Replay`."""
    run = Replay(max_pending=max_pending)
    for event in events:
        run.submit(event)
    return run
