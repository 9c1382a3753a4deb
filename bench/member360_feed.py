"""Feed generation and the member-360 fold, against a baseline measured in the same run.

    /tmp/probe/venv/bin/python bench/member360_feed.py [--members 5000] [--repeat 5]

Prints min/median/max seconds per step over the repeats, per-event costs, and ratios against the
baseline: one pass that copies every record's fields into a dict (the floor cost of touching each
event once in Python). `fold` runs identity resolution and the fold over the feed in arrival order;
`fold x2 (redelivered)` runs it over the same feed with every event delivered twice.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domains.care.member360.events import DomainEvent
from domains.care.member360.replay import replay
from domains.feed import generate
from mesh.core.naming import event_type


def timed(step: Callable[[], Any], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        runs.append(time.perf_counter() - start)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    feed = generate(args.members, seed=1)
    events = [DomainEvent(id=r.record_id, type=event_type(r.system, r.kind, 1), source=r.system, time=r.at,
                          data=r.fields) for r in feed.records]
    twice = [e for e in events for _ in range(2)]
    steps: dict[str, Callable[[], Any]] = {
        "baseline (copy each record)": lambda: [dict(r.fields) for r in feed.records],
        f"generate({args.members})": lambda: generate(args.members, seed=1),
        "fold": lambda: replay(events),
        "fold x2 (redelivered)": lambda: replay(twice),
    }
    results = {name: timed(step, args.repeat) for name, step in steps.items()}
    base = statistics.median(results["baseline (copy each record)"])
    print(f"{args.members} members, {len(events)} events, {args.repeat} repeats")
    print(f"{'step':<30} {'min s':>8} {'median s':>9} {'max s':>8} {'us/event':>9} {'x baseline':>11}")
    for name, runs in results.items():
        median = statistics.median(runs)
        n = len(twice) if "x2" in name else len(events)
        print(f"{name:<30} {min(runs):>8.3f} {median:>9.3f} {max(runs):>8.3f} {median / n * 1e6:>9.2f} "
              f"{median / base:>11.1f}")


if __name__ == "__main__":
    main()
