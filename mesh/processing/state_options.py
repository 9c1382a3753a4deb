"""RocksDB options for Quix Streams state stores whose RAM does not grow with the state.

Quix Streams' `RocksDBOptions` bounds the memtables (`write_buffer_size` x `max_write_buffer_number`
per column family of each store partition) and shares one block cache per process, but keeps every
SST file's index and bloom-filter blocks outside that cache: about 1.25 bytes per key for the filter
plus an index entry per 4 KB block, i.e. RAM growing with the data on disk (1.2 MB at 20,000 members
here, measured with `rocksdb.estimate-table-readers-mem`). `BoundedRocksDBOptions` puts them in the
block cache (level-0 files' pinned there, as RocksDB's tuning guide advises), so the cache bounds them.

    STATE = BoundedRocksDBOptions(write_buffer_size=8 << 20, max_write_buffer_number=2,
                                  block_cache_size=64 << 20)
"""

from __future__ import annotations

import dataclasses
import threading

import rocksdict
from quixstreams.state.rocksdb import RocksDBOptions

_CACHES: dict[int, rocksdict.Cache] = {}
_LOCK = threading.Lock()


def shared_cache(capacity: int) -> rocksdict.Cache:
    """One block cache per capacity for the whole process (store partitions open in threads)."""
    with _LOCK:
        cache = _CACHES.get(capacity)
        if cache is None:
            cache = _CACHES[capacity] = rocksdict.Cache(capacity)
        return cache


def bounded_table(cache: rocksdict.Cache, bloom_filter_bits_per_key: int | None = None) -> rocksdict.BlockBasedOptions:
    """Block-based table options whose index and filter blocks live in `cache` (level 0's pinned there):
    with them, RAM is the memtables plus the cache, whatever the data on disk."""
    table = rocksdict.BlockBasedOptions()
    table.set_block_cache(cache)
    if bloom_filter_bits_per_key is not None:
        table.set_bloom_filter(bloom_filter_bits_per_key, True)
    table.set_cache_index_and_filter_blocks(True)
    table.set_pin_l0_filter_and_index_blocks_in_cache(True)
    return table


@dataclasses.dataclass(frozen=True)
class BoundedRocksDBOptions(RocksDBOptions):
    """`RocksDBOptions` with index and filter blocks charged to the shared block cache (module docstring)."""

    def to_options(self) -> rocksdict.Options:
        options = super().to_options()
        options.set_block_based_table_factory(bounded_table(shared_cache(self.block_cache_size),
                                                            self.bloom_filter_bits_per_key))
        return options
