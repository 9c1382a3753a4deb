"""Offsets are stored per batch, yet exactly for the events whose loop body finished: a group resumes at
the event whose body left with `break` or an exception, on every partition (at-least-once, no loss)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mesh import Consumer, Producer
from mesh.core.settings import MeshSettings
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, SOURCE, claim

EVENTS = 30


def _publish(settings: MeshSettings, topic: str) -> set[str]:
    with Producer(topic, CLAIM_V1, source=SOURCE, settings=settings, auto_register=True) as producer:
        return {producer.publish(CLAIM_TYPE, claim(n), key=f"M-{n}", id=f"e{n}") for n in range(EVENTS)}


def _rest(settings: MeshSettings, topic: str, group: str, expected: int) -> list[str]:
    with Consumer(topic, group_id=group, settings=settings, from_beginning=True) as consumer:
        return [event.id for event in consumer.events(max_events=expected, idle_timeout=10)]


def _per_partition_order(ids: list[str], partition_of: dict[str, int]) -> dict[int, list[str]]:
    order: dict[int, list[str]] = {}
    for event_id in ids:
        order.setdefault(partition_of[event_id], []).append(event_id)
    return order


@pytest.mark.parametrize("leave", ["break", "exception"])
def test_group_resumes_exactly_at_the_unfinished_event_on_every_partition(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], group_id: str, leave: str
) -> None:
    topic = make_topic("offsets", partitions=3)
    published = _publish(sdk_settings, topic)
    finished: list[str] = []
    partition_of: dict[str, int] = {}

    class Stop(Exception):
        pass

    with Consumer(topic, group_id=group_id, settings=sdk_settings, from_beginning=True) as consumer:
        try:
            for event in consumer.events(idle_timeout=30):
                partition_of[event.id] = event.partition  # type: ignore[assignment]
                if len(finished) == 12:
                    if leave == "break":
                        break
                    raise Stop
                finished.append(event.id)
        except Stop:
            pass

    assert len(set(partition_of.values())) > 1  # the stop happened with several partitions in play
    rest = _rest(sdk_settings, topic, group_id, EVENTS - len(finished))
    # nothing finished comes back, everything unfinished does (the event being handled included)
    assert set(rest) == published - set(finished)
    assert len(rest) == len(set(rest))
    with Consumer(topic, group_id=group_id, settings=sdk_settings) as after:
        assert list(after.events(idle_timeout=3)) == []  # and the second pass committed all of it


def test_close_stores_what_an_open_events_loop_finished(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], group_id: str
) -> None:
    topic = make_topic("offsets-open")
    published = _publish(sdk_settings, topic)
    consumer = Consumer(topic, group_id=group_id, settings=sdk_settings, from_beginning=True)
    events = consumer.events(idle_timeout=30)
    finished = [next(events).id for _ in range(5)]  # the 5th body is still "running": not finished
    consumer.close()
    rest = _rest(sdk_settings, topic, group_id, EVENTS - 4)
    assert rest[0] == finished[-1]
    assert set(rest) == published - set(finished[:-1])


def test_a_new_loop_on_the_same_consumer_sees_the_event_a_break_left_unfinished(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], group_id: str
) -> None:
    topic = make_topic("offsets-again", partitions=2)
    published = _publish(sdk_settings, topic)
    seen: list[str] = []
    with Consumer(topic, group_id=group_id, settings=sdk_settings, from_beginning=True) as consumer:
        for event in consumer.events(idle_timeout=30):
            if len(seen) == 7:
                left = event.id
                break
            seen.append(event.id)
        again = [event.id for event in consumer.events(max_events=EVENTS - 7, idle_timeout=30)]
    assert left in again  # rewound, not skipped along with the rest of the fetched batch
    assert set(seen) | set(again) == published and not set(seen) & set(again)
