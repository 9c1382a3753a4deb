"""What the member-360 processor keeps in its tables survives the changelog round trip, and its config."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from domains.care.member360 import changelog
from domains.care.member360.config import PRODUCTS, Member360Config
from domains.care.member360.held import (
    ID_BYTES,
    HeldEntry,
    dump_held,
    dump_held_json,
    dump_raw,
    dump_view,
    dump_view_json,
    has_id,
    held_key,
    load_held,
    load_raw,
    load_view,
    waiting_id,
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


@contextmanager
def _nothing() -> Iterator[None]:
    yield


HELD = [
    HeldEntry(),
    HeldEntry(pending=(raw("a"), raw("b", value=None))),
    HeldEntry(member_id="M1", linked_at=datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC), link_event_id="L1"),
    HeldEntry(held_from=3, held_to=5, waiting_ids=waiting_id(raw("c")) + waiting_id(raw("d"))),
    HeldEntry(pending=(raw("a"),), held_from=0, held_to=2, waiting_ids=bytes(2 * ID_BYTES)),
]


@pytest.mark.parametrize("entry", HELD)
def test_held_entry_round_trips_through_the_changelog(entry: HeldEntry) -> None:
    record = dump_held(entry)
    assert record[:1] == b"\x04"  # binary (Avro), format 3: the range of the waiting records and their ids
    assert load_held(record) == entry


@pytest.mark.parametrize("entry", HELD)
def test_held_entries_of_format_2_still_load_their_records_ids_unknown(entry: HeldEntry) -> None:
    fields = changelog.held_record(entry.member_id, entry.linked_at, entry.link_event_id, entry.pending,
                                   entry.held_from, entry.held_to)
    format_2 = changelog.dump_held_record_v2(fields)
    assert format_2[:1] == b"\x02"
    loaded = load_held(format_2)
    assert loaded.waiting_ids == (b"" if entry.held_from == entry.held_to else None)
    assert loaded == HeldEntry(entry.member_id, entry.linked_at, entry.link_event_id, entry.pending,
                               entry.held_from, entry.held_to, loaded.waiting_ids)
    with pytest.raises(ValueError, match="waiting ids are unknown") if loaded.waiting_ids is None else _nothing():
        dump_held(loaded)  # it is never written back before `hold` computed them


@pytest.mark.parametrize("entry", [e for e in HELD if e.held_to == 0])
def test_held_entries_of_earlier_versions_still_load(entry: HeldEntry) -> None:
    fields = changelog.held_record(entry.member_id, entry.linked_at, entry.link_event_id, entry.pending)
    format_1 = changelog.dump_held_record_v1(fields)
    assert format_1[:1] == b"\x01"
    assert load_held(format_1) == entry
    assert load_held(dump_held_json(entry)) == entry


def test_an_entry_grows_by_an_id_per_waiting_event_whatever_the_events_size() -> None:
    # the waiting events are records of their own: the entry keeps their range and an 8-byte id each
    few = dump_held(HeldEntry(held_from=0, held_to=1, waiting_ids=bytes(ID_BYTES)))
    many = dump_held(HeldEntry(held_from=0, held_to=900, waiting_ids=bytes(900 * ID_BYTES)))
    assert len(few) < 24 and len(many) - len(few) <= 899 * ID_BYTES + 4
    assert HeldEntry(pending=(raw("a"),), held_from=5, held_to=905).waiting == 901


def test_a_waiting_event_round_trips_byte_for_byte() -> None:
    message = raw("a", value=bytes(range(256)) * 4)
    record = dump_raw(message)
    assert message.value in record and load_raw(record) == message
    assert dump_held(message) == record and load_held(record) == message  # it shares the identities table
    with pytest.raises(ValueError, match="Not a binary member-360 held message"):
        load_raw(b"{}")


def test_held_keys_are_distinct_per_local_id_and_number() -> None:
    keys = {held_key(local, n) for local in (b"claims:S-1", b"claims:S-10", b"claims:S-1\x01") for n in (0, 1, 256)}
    assert len(keys) == 9
    assert held_key(b"S", 1) < held_key(b"S", 2) < held_key(b"S", 256)  # ordered like the numbers


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
    ("", "/claimsa", False),  # the id and source are not just run together
]


@pytest.mark.parametrize(("event_id", "source", "held"), REDELIVERY)
def test_a_held_event_is_recognised_by_id_and_source(event_id: str, source: str, held: bool) -> None:
    ids = waiting_id(raw("a")) + waiting_id(raw("b"))
    assert waiting_id(raw("a", value=b"other bytes")) == waiting_id(raw("a"))  # a redelivery, whatever its bytes
    assert has_id(ids, waiting_id(raw(event_id, source))) is held


def test_an_id_is_not_found_across_two_ids() -> None:
    first, second = waiting_id(raw("a")), waiting_id(raw("b"))
    straddling = (first + second)[3:3 + ID_BYTES]
    assert not has_id(first + second, straddling)
    assert not has_id(b"x" * 3 + first + first, first)  # found only off the 8-byte grid
    assert has_id(second + first, first) and has_id(first, first) and not has_id(b"", first)


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
    assert config.internal_prefix == "repartition__m360--"
