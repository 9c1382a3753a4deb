"""The view server's RocksDB store: bounded memtables, index and filter blocks inside its block cache."""

from __future__ import annotations

from pathlib import Path

from rocksdict import Rdict

from mesh.processing.views import store_options


def test_a_served_store_keeps_small_memtables_and_its_index_and_filters_in_its_cache(tmp_path: Path) -> None:
    db = Rdict(str(tmp_path / "served"), store_options(write_buffer_mb=4, block_cache_mb=2))
    try:
        db[b"k"] = b"v"
    finally:
        db.close()
    written = "\n".join(p.read_text() for p in (tmp_path / "served").glob("OPTIONS-*"))
    assert f"write_buffer_size={4 * 1024 * 1024}" in written
    assert "max_write_buffer_number=2" in written
    assert "cache_index_and_filter_blocks=true" in written
    assert f"capacity : {2 * 1024 * 1024}" in (tmp_path / "served" / "LOG").read_text()
