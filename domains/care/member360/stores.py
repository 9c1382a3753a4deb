"""How the member-360 worker keeps its state in Quix Streams' stores (RocksDB, a changelog each).

`STATE_OPTIONS`: RocksDB's share of RAM bounded. The rest is the resolve step's layout for one local ID
(state is per message key, so these keys live under that local ID): its `HeldEntry` at `entry_key`,
the events waiting for its link at `held_key(entry_key, n)` (read on demand: `HeldRecords`), and a
copy of every event forwarded for it at `forwarded_key(entry_key, n)` (their count at
`forwarded_key(entry_key)`), kept to move them when a later link wins (identity.py). The decisions are the pure `held.hold` / `held.link`; this applies them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from quixstreams import State

from domains.care.member360.held import (
    HeldEntry,
    HeldStep,
    dump_held,
    forwarded_key,
    held_key,
    load_held,
    load_raw,
)
from mesh.processing.bridge import RawMessage
from mesh.processing.state_options import BoundedRocksDBOptions


def _state_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    raise TypeError(f"member-360 state values are bytes from our codecs, not {type(value).__name__}")


# State values are written by our own codecs (binary Avro, see changelog.py): RocksDB stores the bytes.
# RocksDB's defaults allow 64 MB x 3 memtables per store partition (12 here) and a 1 GB block cache:
# several GB before memory stops growing with the members. 8 MB x 2 and a 64 MB cache bound RocksDB's
# share near 12 x 16 + 64 MB, index and filter blocks included (state_options.py); the state itself
# lives on disk (bench/README.md, eighth session, has the measured RSS).
STATE_OPTIONS = BoundedRocksDBOptions(dumps=_state_bytes, loads=bytes, write_buffer_size=8 * 1024 * 1024,
                                      max_write_buffer_number=2, block_cache_size=64 * 1024 * 1024)


class HeldRecords(Mapping[int, RawMessage]):
    """A local ID's waiting records by number, read from the state on demand (each once): `held.hold`
    reads only the ones that overflow, `held.link` all of them, once, when it releases them."""

    def __init__(self, state: State[bytes, bytes], entry_key: bytes, entry: HeldEntry | None) -> None:
        self._state, self._key = state, entry_key
        self._range = range(0) if entry is None else range(entry.held_from, entry.held_to)
        self._read: dict[int, RawMessage | None] = {}

    def __getitem__(self, number: int) -> RawMessage:
        if number not in self._read:
            data = self._state.get(held_key(self._key, number)) if number in self._range else None
            self._read[number] = None if data is None else load_held(data)
        found = self._read[number]
        if found is None:
            raise KeyError(number)
        return found

    def __iter__(self) -> Iterator[int]:
        return (n for n in self._range if n in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def apply_step(state: State[bytes, bytes], entry_key: bytes, step: HeldStep, entry_bytes: bytes | None) -> None:
    """Write a step's waiting events, forget the released ones, store the entry (`entry_bytes`, None
    when the step left it unchanged)."""
    for n, raw in step.store:
        state.set(held_key(entry_key, n), dump_held(raw))
    for n in step.forget:
        state.delete(held_key(entry_key, n))
    if entry_bytes is not None:
        state.set(entry_key, entry_bytes)


def moved(state: State[bytes, bytes], entry_key: bytes, entry: HeldEntry | None, step: HeldStep) -> list[RawMessage]:
    """The local ID's forwarded events when a winning link moves it to another member, else none."""
    if entry is None or entry.member_id is None or step.entry.member_id == entry.member_id or not step.changed:
        return []
    count = int.from_bytes(state.get(forwarded_key(entry_key), b"") or b"", "big")
    found = (state.get(forwarded_key(entry_key, n)) for n in range(count))
    return [load_raw(data) for data in found if data is not None]


def remember(state: State[bytes, bytes], entry_key: bytes, forwarded: tuple[RawMessage, ...]) -> None:
    """Keep the events forwarded for a local ID, to move them if a later link wins."""
    if not forwarded:
        return
    count = int.from_bytes(state.get(forwarded_key(entry_key), b"") or b"", "big")
    for raw in forwarded:
        state.set(forwarded_key(entry_key, count), dump_held(raw))
        count += 1
    state.set(forwarded_key(entry_key), count.to_bytes(8, "big"))
