"""Two workers of one member-360 processor (one consumer group) on the 6-partition products: one is
SIGKILLed mid-run, the survivor takes its partitions and their state, and every view equals the ground
truth; a read-committed reader of the output sees no view record twice (exactly-once)."""

from __future__ import annotations

import time
from collections import Counter

from domains.feed import generate
from domains.wiring import publish_records
from tests.integration.care.conftest import Mesh360, free_port
from tests.integration.care.test_member360_processor import assert_exact, close, view_records

MEMBERS = 1_000
# The killed worker never comes back: the survivor gets its partitions when its session expires, and
# reads past the transaction it left open when that times out (defaults 45 s and 60 s, see
# mesh.processing.application). 10 s each: the same takeover, ~50 s sooner.
FAILOVER = {"session_timeout_s": 10.0, "transaction_timeout_s": 10.0}


def test_the_survivor_of_two_workers_finishes_exactly(mesh360: Mesh360) -> None:
    feed = generate(MEMBERS, seed=363)
    producers = mesh360.producers()
    third = len(feed.records) // 3
    publish_records(feed.records[:third], producers)
    first = mesh360.processor("first", datadir=mesh360.tmp / "w1", web_port=free_port(), **FAILOVER).start()
    with mesh360.processor("second", datadir=mesh360.tmp / "w2", web_port=free_port(), **FAILOVER) as second:
        first.wait_ready(timeout_s=180)
        second.wait_ready(timeout_s=180)
        # Both hold partitions now; events published before that may all have gone to the worker that
        # started first, so the next third is what proves that both process their share.
        publish_records(feed.records[third:2 * third], producers)
        deadline = time.monotonic() + 120
        while first.stats().get("published", 0) == 0 or second.stats().get("published", 0) == 0:
            assert time.monotonic() < deadline, (
                f"both workers should process their share: first {first.stats()}, second {second.stats()}")
            time.sleep(0.2)
        publish_records(feed.records[2 * third:], producers)
        close(producers)
        first.kill()
        second.wait_caught_up(timeout_s=900)
        assert_exact(mesh360, second, dict(feed.expected))
    records = view_records(mesh360)
    repeated = [item for item, n in Counter(records).items() if n > 1]
    assert repeated == [], f"{len(repeated)} view records seen twice, e.g. {repeated[:1]}"
