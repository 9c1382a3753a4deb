"""What grows on a running worker's Python heap, on demand: `kill -USR2 <pid>`, later once more.

The first signal starts `tracemalloc` and takes a baseline snapshot; every later one writes the
allocation sites that grew most since that baseline to the log (size and count of live blocks, by
source line). Nothing is traced until the first signal, so it costs nothing in normal running; once
started, tracing slows allocation (about 2x on this workload): use it to find a leak, not in a bench
figure. `bench/processor_bench.py --heap-diff` signals the worker when it is ready and when it has
caught up.

    install(logging.getLogger("member360"))      # in the worker's main()
    kill -USR2 <pid>; ...; kill -USR2 <pid>       # then read the worker's log
"""

from __future__ import annotations

import logging
import signal
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import FrameType
from typing import Any


@dataclass
class HeapDiff:
    """Baseline on the first `step()`, top growth since it on every later one (lines of text)."""

    top: int = 25
    frames: int = 1
    _baseline: tracemalloc.Snapshot | None = field(default=None, init=False)

    def step(self) -> list[str]:
        """Start tracing and take the baseline (returns one line), or report growth since it."""
        if self._baseline is None or not tracemalloc.is_tracing():
            if not tracemalloc.is_tracing():
                tracemalloc.start(self.frames)
            self._baseline = _snapshot()
            return ["heap diff: tracing started, baseline taken; signal again to see what grew"]
        now = _snapshot()
        stats = now.compare_to(self._baseline, "lineno")
        traced, peak = tracemalloc.get_traced_memory()
        growth = sum(s.size_diff for s in stats)
        lines = [f"heap diff: traced now {traced / 1e6:,.1f} MB (peak {peak / 1e6:,.1f} MB), "
                 + f"growth since baseline {growth / 1e6:+,.1f} MB; top {self.top}:"]
        for stat in stats[: self.top]:
            where = stat.traceback[0]
            lines.append(f"  {stat.size_diff / 1e6:+9.2f} MB {stat.count_diff:+10,} blocks "
                         f"(live {stat.size / 1e6:8.2f} MB)  {where.filename}:{where.lineno}")
        return lines

    def stop(self) -> None:
        """Stop tracing and forget the baseline."""
        self._baseline = None
        tracemalloc.stop()


def _snapshot() -> tracemalloc.Snapshot:
    ignored = (tracemalloc.Filter(False, tracemalloc.__file__),
               tracemalloc.Filter(False, "<frozen importlib._bootstrap>"))
    return tracemalloc.take_snapshot().filter_traces(ignored)


# What RocksDB holds in RAM outside the Python heap, per database (its default column family).
MEMTABLES, TABLE_READERS, CACHE = ("rocksdb.cur-size-all-mem-tables", "rocksdb.estimate-table-readers-mem",
                                   "rocksdb.block-cache-usage")


def rocksdb_lines(dbs: Mapping[str, Any]) -> list[str]:
    """One line per group of databases (the name before '['): memtables, table readers (index and
    filter blocks held outside the cache) and block cache usage, in MB, summed over the group.
    `dbs`: name -> an open `rocksdict.Rdict`; a database whose properties cannot be read is skipped."""
    groups: dict[str, list[int]] = {}
    for name, db in dbs.items():
        try:
            values = [db.property_int_value(prop) or 0 for prop in (MEMTABLES, TABLE_READERS, CACHE)]
        except Exception:  # noqa: BLE001, S112 (a diagnostic must not take the worker down; closed meanwhile)
            continue
        group = groups.setdefault(name.split("[")[0], [0, 0, 0, 0])
        group[0] += 1
        for i, value in enumerate(values, start=1):
            group[i] = group[i] + value if i < 3 else max(group[i], value)  # a shared cache: counted once
    return [f"rocksdb {name} ({n} db): memtables {mem / 1e6:,.1f} MB, table readers {readers / 1e6:,.1f} MB, "
            f"block cache {cache / 1e6:,.1f} MB" for name, (n, mem, readers, cache) in groups.items()]


def install(log: logging.Logger, signum: int = signal.SIGUSR2, *, top: int = 25,
            extra: Callable[[], list[str]] | None = None) -> HeapDiff:
    """On `signum` (main thread): the next `HeapDiff.step()` and `extra()`, the lines logged at WARNING."""
    diff = HeapDiff(top=top)

    def handler(_signum: int, _frame: FrameType | None) -> None:
        for line in [*diff.step(), *(extra() if extra is not None else [])]:
            log.warning("%s", line)

    signal.signal(signum, handler)
    return diff
