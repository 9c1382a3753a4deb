"""What the member-360 processor keeps in its tables survives the changelog round trip, and its config."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domains.care.member360.config import PRODUCTS, Member360Config
from domains.care.member360.held import (
    HeldEntry,
    dump_held,
    dump_held_json,
    dump_view,
    dump_view_json,
    load_held,
    load_view,
)
from domains.care.member360.replay import replay
from domains.feed import generate
from mesh.processing.bridge import RawMessage
from mesh.products.loader import load_all
from tests.unit.domains.test_feed import as_events, publish_all


def raw(event_id: str, source: str = "/claims", value: bytes | None = b"\x00\x00\x00\x00\x01\xff") -> RawMessage:
    return RawMessage(topic="claims", partition=3, offset=42, key=b"S-1", value=value,
                      headers=(("ce_id", event_id.encode()), ("ce_source", source.encode()), ("x", b"")),
                      timestamp_ms=1_700_000_000_123)


HELD = [
    HeldEntry(),
    HeldEntry(pending=(raw("a"), raw("b", value=None))),
    HeldEntry(member_id="M1", linked_at=datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC), link_event_id="L1"),
]


@pytest.mark.parametrize("entry", HELD)
def test_held_entry_round_trips_through_the_changelog(entry: HeldEntry) -> None:
    record = dump_held(entry)
    assert record[:1] == b"\x01"  # binary (Avro), not JSON
    assert load_held(record) == entry
    assert load_held(dump_held_json(entry)) == entry  # records of earlier versions still load


def test_held_raw_events_are_kept_byte_for_byte_without_base64() -> None:
    value = bytes(range(256)) * 8
    entry = HeldEntry(pending=(raw("a", value=value),))
    record = dump_held(entry)
    assert value in record and len(record) < len(dump_held_json(entry)) / 1.2
    assert load_held(record).pending[0].value == value


def test_garbage_changelog_records_are_refused() -> None:
    with pytest.raises(ValueError, match="Not a binary member-360 held entry"):
        load_held(b"\x07junk")
    with pytest.raises(ValueError, match="Not a binary member-360 state record"):
        load_view(b"\x07junk")


REDELIVERY = [
    ("a", "/claims", True),
    ("a", "/other", False),
    ("c", "/claims", False),
]


@pytest.mark.parametrize(("event_id", "source", "held"), REDELIVERY)
def test_a_held_event_is_recognised_by_id_and_source(event_id: str, source: str, held: bool) -> None:
    assert HeldEntry(pending=(raw("a"), raw("b"))).holds(event_id, source) is held


def test_every_view_of_a_feed_round_trips_through_the_changelog() -> None:
    feed = generate(60, seed=5)
    views = replay(as_events(publish_all(list(feed.records)))).views
    assert len(views) == 60
    assert all(load_view(dump_view(view)) == view for view in views.values())
    assert all(dump_view(view)[:1] == b"\x01" for view in views.values())
    assert all(load_view(dump_view_json(view)) == view for view in views.values())  # earlier versions' JSON


def test_config_from_products_uses_the_descriptor_topics() -> None:
    config = Member360Config.from_products(app_id="m360")
    topics = {p.id: p.descriptor.topic for p in load_all()}
    assert config.input_topics == [topics[PRODUCTS[n]] for n in ("members", "identity", "claims", "visits")]
    assert config.output_topic == topics["care.member_360"]
    assert config.consumed_topics[4:] == ["m360-links-by-local-id", "m360-resolved-by-member"]
