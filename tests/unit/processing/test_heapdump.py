"""The worker's on-demand heap diff: the first step starts tracing, the next names what grew."""

from __future__ import annotations

import logging
import os
import signal
import tracemalloc
from pathlib import Path

import pytest
from rocksdict import Rdict

from mesh.processing.heapdump import HeapDiff, install, rocksdb_lines


def _grow(n: int) -> list[bytes]:
    return [bytes(1000) + str(i).encode() for i in range(n)]  # the line the diff must name


GROWING_LINE = f"test_heapdump.py:{_grow.__code__.co_firstlineno + 1}"


def test_first_step_starts_tracing_and_the_next_names_the_growing_line() -> None:
    diff = HeapDiff(top=5)
    try:
        assert not tracemalloc.is_tracing()
        assert "baseline" in diff.step()[0]
        assert tracemalloc.is_tracing()
        kept = _grow(5000)
        lines = diff.step()
        assert "growth since baseline" in lines[0]
        top = lines[1]
        assert GROWING_LINE in top, lines
        assert float(top.split()[0]) > 4.0  # MB: 5,000 blocks of ~1 KB
        assert len(kept) == 5000
    finally:
        diff.stop()
    assert not tracemalloc.is_tracing()


def test_the_signal_logs_the_diff(caplog: pytest.LogCaptureFixture) -> None:
    previous = signal.getsignal(signal.SIGUSR2)
    diff = install(logging.getLogger("heap-test"), top=3)
    try:
        with caplog.at_level(logging.WARNING, logger="heap-test"):
            os.kill(os.getpid(), signal.SIGUSR2)
            kept = _grow(2000)
            os.kill(os.getpid(), signal.SIGUSR2)
        messages = [r.getMessage() for r in caplog.records]
        assert "tracing started" in messages[0]
        assert any(GROWING_LINE in m for m in messages[1:]), messages
        assert len(kept) == 2000
    finally:
        diff.stop()
        signal.signal(signal.SIGUSR2, previous)


def test_rocksdb_lines_sum_a_group_and_count_a_shared_cache_once(tmp_path: Path) -> None:
    dbs = {f"state s[{i}]": Rdict(str(tmp_path / f"db{i}")) for i in range(2)}
    dbs["served"] = Rdict(str(tmp_path / "served"))
    try:
        for i, db in enumerate(dbs.values()):
            for k in range(2000 * (i + 1)):
                db[f"key{k}".encode()] = bytes(100)
        lines = rocksdb_lines(dbs)
        state = next(line for line in lines if line.startswith("rocksdb state s (2 db)"))
        served = next(line for line in lines if line.startswith("rocksdb served (1 db)"))
        memtables = [float(line.split("memtables ")[1].split(" MB")[0]) for line in (state, served)]
        assert memtables[0] > 0.5 and memtables[1] > 0.5  # MB: 6,000 and 6,000 records of ~100 bytes
    finally:
        for db in dbs.values():
            db.close()
    assert rocksdb_lines({"closed": dbs["served"]}) == []  # a closed database is skipped, no error

