"""Deletes of configs and modes are tombstones on `_schemas`: a running and a restarted registry obey them.

Issue 12 bug 1: a tombstone (a message with no value) was taken for "no message", so the write
waited 15 s and failed, and a replay skipped a tombstone that came first in a poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from mesh.core.settings import KafkaSettings
from tests.support.registry import running_registry

# (set, delete, read back, what the read must answer after the delete)
DELETES = [
    pytest.param(
        ("PUT", "/config", {"compatibility": "FULL"}), "/config", ("/config", {}),
        (200, {"compatibilityLevel": "BACKWARD"}), id="global-config",
    ),
    pytest.param(
        ("PUT", "/config/s1", {"compatibility": "NONE"}), "/config/s1", ("/config/s1", {}),
        (404, 40408), id="subject-config",
    ),
    pytest.param(
        ("PUT", "/mode/s1", {"mode": "READONLY"}), "/mode/s1", ("/mode/s1", {}),
        (404, 40409), id="subject-mode",
    ),
]


def answer(response: httpx.Response) -> tuple[int, object]:
    body = response.json()
    return response.status_code, body["error_code"] if response.status_code >= 400 else body


@pytest.mark.parametrize(("setup", "delete", "read", "expected"), DELETES)
def test_delete_holds_on_a_running_and_a_restarted_registry(
    kafka_settings: KafkaSettings,
    unique_name: Callable[[str], str],
    setup: tuple[str, str, dict[str, str]],
    delete: str,
    read: tuple[str, dict[str, str]],
    expected: tuple[int, object],
) -> None:
    topic = unique_name("_schemas")
    with running_registry(kafka_settings, topic=topic) as url, httpx.Client(base_url=url, timeout=60) as http:
        method, path, body = setup
        http.request(method, path, json=body).raise_for_status()
        started = time.monotonic()
        deleted = http.delete(delete)
        took = time.monotonic() - started
        assert deleted.status_code == 200, deleted.text
        assert took < 10, f"the delete took {took:.1f} s: its tombstone was not seen"
        assert answer(http.get(read[0], params=read[1])) == expected
    with running_registry(kafka_settings, topic=topic) as url, httpx.Client(base_url=url, timeout=60) as http:
        assert answer(http.get(read[0], params=read[1])) == expected


def test_replay_applies_a_tombstone_that_opens_a_poll(
    kafka_settings: KafkaSettings, unique_name: Callable[[str], str]
) -> None:
    """The tombstone is the last message of the log: a replaying consumer gets it first in its poll."""
    topic = unique_name("_schemas")
    with running_registry(kafka_settings, topic=topic) as url, httpx.Client(base_url=url, timeout=60) as http:
        http.put("/config", json={"compatibility": "FULL"}).raise_for_status()
        http.put("/mode/s2", json={"mode": "READONLY"}).raise_for_status()
        http.delete("/mode/s2").raise_for_status()
        http.delete("/config").raise_for_status()
    for _ in range(2):
        with running_registry(kafka_settings, topic=topic) as url, httpx.Client(base_url=url, timeout=60) as http:
            assert http.get("/config").json() == {"compatibilityLevel": "BACKWARD"}
            assert http.get("/mode/s2").status_code == 404
