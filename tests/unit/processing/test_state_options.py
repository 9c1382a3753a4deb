"""State stores' RocksDB options: index and filter blocks charged to one process-wide block cache."""

from __future__ import annotations

from pathlib import Path

from quixstreams.state.rocksdb import RocksDBStorePartition

from mesh.processing.state_options import BoundedRocksDBOptions, shared_cache


def test_a_quix_store_partition_opens_with_index_and_filters_in_the_cache(tmp_path: Path) -> None:
    options = BoundedRocksDBOptions(write_buffer_size=4 << 20, max_write_buffer_number=2, block_cache_size=3 << 20)
    partition = RocksDBStorePartition(str(tmp_path / "0"), options=options)
    partition.close()  # type: ignore[no-untyped-call]
    written = "\n".join(p.read_text() for p in (tmp_path / "0").glob("OPTIONS-*"))
    assert "cache_index_and_filter_blocks=true" in written
    assert "pin_l0_filter_and_index_blocks_in_cache=true" in written
    assert f"write_buffer_size={4 << 20}" in written
    assert "max_write_buffer_number=2" in written
    assert f"capacity : {3 << 20}" in (tmp_path / "0" / "LOG").read_text()


def test_the_block_cache_is_one_per_capacity_for_the_process() -> None:
    assert shared_cache(5 << 20) is shared_cache(5 << 20)
    assert shared_cache(5 << 20) is not shared_cache(6 << 20)
