"""The member-360 processor end to end: the feed through the real SDK producer, registry and broker,
the processor as a subprocess, every member's view (topic and HTTP) against the independent ground truth.
"""

from __future__ import annotations

from typing import Any

from domains.care.member360.runner import ProcessorProcess
from domains.feed import generate
from mesh.processing.web import as_json
from mesh.sdk import Consumer
from tests.integration.care.conftest import Mesh360

MEMBERS = int(__import__("os").environ.get("M360_MEMBERS", 5_000))
CRASH_MEMBERS = 2_000


def views_on_topic(mesh: Mesh360, group: str) -> dict[str, Any]:
    """The latest record per key of the member-360 topic, decoded with the SDK consumer."""
    latest: dict[str, Any] = {}
    with Consumer(mesh.config.output_topic, group_id=group, settings=mesh.settings, from_beginning=True) as consumer:
        for event in consumer.events(idle_timeout=5.0):
            assert event.type == "com.healthco.care.Member360.v1"
            latest[event.partitionkey or ""] = event.data
    return latest


def views_over_http(proc: ProcessorProcess, member_ids: list[str]) -> dict[str, Any]:
    return {member_id: proc.member(member_id) for member_id in member_ids}


def assert_exact(mesh: Mesh360, proc: ProcessorProcess, expected: dict[str, dict[str, Any]]) -> None:
    on_topic = views_on_topic(mesh, f"{mesh.config.app_id}-check")
    assert set(on_topic) == set(expected)
    wrong = [m for m in expected if on_topic[m] != expected[m]]
    assert wrong == [], f"{len(wrong)} views on the topic differ, e.g. {wrong[:3]}"
    over_http = views_over_http(proc, sorted(expected))
    wrong = [m for m in expected if over_http[m] != as_json(expected[m])]
    assert wrong == [], f"{len(wrong)} views over HTTP differ, e.g. {wrong[:3]}"


def test_every_view_matches_the_ground_truth(mesh360: Mesh360) -> None:
    feed = generate(MEMBERS, seed=360)
    publisher = mesh360.publisher()
    half = len(feed.records) // 2
    publisher.publish(feed.records[:half])
    publisher.flush()
    with mesh360.processor() as proc:
        publisher.publish(feed.records[half:])  # the rest arrives while the processor runs
        publisher.close()
        proc.wait_caught_up(timeout_s=900)
        proc.wait_serving()
        stats = proc.stats()
        assert stats["members"] == MEMBERS
        assert stats.get("dead_lettered", 0) == 0
        assert stats["held"] > 0 and stats["released"] > 0  # late links were exercised
        assert_exact(mesh360, proc, dict(feed.expected))
