"""The decoded-entry cache of the resolve step (held.EntryCache): same answers as decoding, fewer decodes."""

from __future__ import annotations

import pytest

from domains.care.member360 import held
from domains.care.member360.held import EntryCache, HeldEntry, dump_held, load_held
from mesh.processing.bridge import RawMessage


def raw(event_id: str) -> RawMessage:
    return RawMessage(topic="claims", partition=0, offset=7, key=b"S-1", value=b"\x00\x00\x00\x00\x01\xff",
                      headers=(("ce_id", event_id.encode()), ("ce_source", b"/claims")), timestamp_ms=1)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    seen: list[bytes] = []

    def counting(data: bytes) -> object:
        seen.append(data)
        return load_held(data)

    monkeypatch.setattr(held, "load_held", counting)
    return seen


def test_an_entry_written_then_read_back_is_not_decoded_again(decodes: list[bytes]) -> None:
    cache = EntryCache()
    entry = HeldEntry(pending=(raw("a"), raw("b")))
    data = cache.dump(b"S-1", entry)
    assert data == dump_held(entry)
    assert cache.load(b"S-1", bytes(bytearray(data))) is entry  # equal bytes, another object: a hit
    assert decodes == []


def test_other_bytes_under_the_same_key_are_decoded(decodes: list[bytes]) -> None:
    cache = EntryCache()
    cache.dump(b"S-1", HeldEntry(pending=(raw("a"),)))
    newer = HeldEntry(pending=(raw("a"), raw("b")))  # e.g. written by another worker before a rebalance
    assert cache.load(b"S-1", dump_held(newer)) == newer
    assert len(decodes) == 1
    assert cache.load(b"S-2", dump_held(newer)) == newer  # same bytes under another key: decoded too
    assert len(decodes) == 2


def test_the_cache_starts_empty_again_past_its_limit() -> None:
    cache = EntryCache(limit=3)
    for n in range(3):
        cache.dump(f"S-{n}".encode(), HeldEntry())
    assert len(cache) == 3
    cache.dump(b"S-0", HeldEntry(held_to=1))  # a key it holds: no reset
    assert len(cache) == 3
    cache.dump(b"S-9", HeldEntry())
    assert len(cache) == 1


def test_the_cache_starts_empty_again_past_its_byte_budget() -> None:
    entry = HeldEntry(pending=(raw("a"),))
    size = len(dump_held(entry))
    cache = EntryCache(max_bytes=2 * size)
    cache.dump(b"S-1", entry)
    cache.dump(b"S-2", entry)
    cache.dump(b"S-2", entry)  # rewriting a key counts its bytes once
    assert len(cache) == 2
    cache.dump(b"S-3", entry)
    assert len(cache) == 1
