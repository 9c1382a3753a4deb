"""Sum py-spy raw (collapsed) stacks: where the worker's samples went, self and inclusive, by function.

    python bench/profile_stacks.py FILE [--top 40] [--within Application.run]

`--within NAME` keeps only the stacks through a frame whose name contains NAME (e.g. the main
thread's processing loop, leaving out the view server's and HTTP threads' waits).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# where a main-thread sample of the member-360 worker goes: the first group with a frame in its stack
GROUPS = [
    ("rebalance, state recovery", ("_on_assign", "do_recovery", "_on_revoke")),
    ("coalesced views: render + encode + produce", ("Coalescer.flush",)),
    ("changelogs: serialize + produce (checkpoint)", ("PartitionTransaction.prepare",)),
    ("checkpoint: producer flush, transaction commit", ("Checkpoint.commit", "Checkpoint.close")),
    ("resolve step, state reads/writes", ("TransactionState", "PartitionTransaction")),
    ("resolve step, ours", ("Member360Processor._resolve",)),
    ("fold step, ours", ("Member360Processor._fold",)),
    ("decode events (SDK reader)", ("EventDeserializer.__call__",)),
    ("re-keying: serialize + produce", ("produce_row", "StreamingDataFrame._produce")),
    ("consume + Quix buffering", ("poll_row", "_poll_buffered")),
    ("Quix per-row plumbing + our small steps", ("_process_message",)),
]

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^)]*?)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    match = FRAME.match(frame)
    if match is None:
        return frame
    parts = Path(match["file"]).parts
    short = "/".join(parts[-2:])
    return f"{match['func']} ({short})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--within", default="", help="only stacks through a frame containing this")
    args = parser.parse_args()
    grouped: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in args.file.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [frame_name(f) for f in stack.split(";")]
        if args.within and not any(args.within in f for f in frames):
            continue
        total += count
        joined = ";".join(frames)
        group = next((label for label, marks in GROUPS if any(m in joined for m in marks)), "other")
        if group == "resolve step, state reads/writes" and "_resolve" not in joined:
            group = "fold step, state reads/writes" if "_fold" in joined else "other"
        grouped[group] += count
        self_time[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    print(f"{total} samples")
    print("\ngroups")
    for name, count in grouped.most_common():
        print(f"  {100 * count / total:5.1f}%  {name}")
    print("\nself time")
    for name, count in self_time.most_common(args.top):
        print(f"  {100 * count / total:5.1f}%  {name}")
    print("\ninclusive time")
    for name, count in inclusive.most_common(args.top):
        print(f"  {100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
