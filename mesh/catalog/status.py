"""A product's live state: last event, freshness against its SLO, rate, dead letters, consumer lag.

One place computes these numbers, for the catalog's pages and for `mesh products status`: the
broker side (`mesh.catalog.broker.BrokerView.observe`) measures a `TopicObservation`; `assess`
(pure) turns it and the descriptor's SLO into a `ProductStatus`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mesh.products.loader import Product

MET, BREACHED, NO_EVENTS, MISSING = "met", "breached", "no events", "no topic"


@dataclass(frozen=True, slots=True)
class GroupLag:
    """A consumer group with committed offsets on the topic, and how many messages it is behind."""

    group: str
    lag: int


@dataclass(frozen=True, slots=True)
class TopicObservation:
    """What the broker said about a product's topic at `at_ms` (epoch milliseconds)."""

    topic: str
    exists: bool
    at_ms: int
    retained: int = 0
    last_event_ms: int | None = None
    recent: int = 0
    window_s: int = 60
    dead_letters: int = 0
    groups: tuple[GroupLag, ...] = ()


@dataclass(frozen=True, slots=True)
class ProductStatus:
    """A product's live numbers and its freshness verdict (`met`, `breached`, `no events`, `no topic`)."""

    product_id: str
    topic: str
    freshness_slo: str
    slo_ms: int
    state: str
    retained: int
    last_event_ms: int | None
    age_ms: int | None
    events_per_minute: float
    dead_letters: int
    groups: tuple[GroupLag, ...]

    @property
    def last_event(self) -> str:
        """The last event's time, ISO 8601 UTC to the second, or a dash."""
        if self.last_event_ms is None:
            return "—"
        return dt.datetime.fromtimestamp(self.last_event_ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")

    @property
    def age(self) -> str:
        """How old the last event is, human-readable (`42s`, `3m 05s`, `2h 10m`, `4d 3h`), or a dash."""
        return "—" if self.age_ms is None else human_duration(self.age_ms)


def human_duration(ms: int) -> str:
    """`850ms`, `42s`, `3m 05s`, `2h 10m`, `4d 3h`."""
    if ms < 1000:
        return f"{ms}ms"
    s = ms // 1000
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def assess(product: Product, seen: TopicObservation) -> ProductStatus:
    """The product's status from one observation: fresh means the newest event is within the SLO."""
    slo_ms = product.descriptor.freshness_slo_ms
    age = None if seen.last_event_ms is None else max(0, seen.at_ms - seen.last_event_ms)
    if not seen.exists:
        state = MISSING
    elif age is None:
        state = NO_EVENTS
    else:
        state = MET if age <= slo_ms else BREACHED
    return ProductStatus(
        product_id=product.id, topic=seen.topic, freshness_slo=product.descriptor.freshness_slo, slo_ms=slo_ms,
        state=state, retained=seen.retained, last_event_ms=seen.last_event_ms, age_ms=age,
        events_per_minute=seen.recent * 60.0 / seen.window_s, dead_letters=seen.dead_letters, groups=seen.groups,
    )
