"""`mesh consume` is read-only by default, `mesh dlq` lists and replays, `mesh produce --product` works,
on the real broker and registry (issue 12, items 9 and 10)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import confluent_kafka
from confluent_kafka.admin import AdminClient
from typer.testing import CliRunner

from mesh.cli.main import app
from mesh.core.naming import dlq_topic
from mesh.core.settings import MeshSettings
from mesh.sdk.envelope import json_default
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, SOURCE, claim

RUNNER = CliRunner()


def _env(monkeypatch: Any, settings: MeshSettings) -> None:
    for name, value in settings.client_env().items():
        monkeypatch.setenv(name, value)


def _ce(event_id: str) -> list[tuple[str, bytes]]:
    return [("ce_specversion", b"1.0"), ("ce_id", event_id.encode()), ("ce_source", b"/poison"),
            ("ce_type", CLAIM_TYPE.encode()), ("content-type", b"application/avro")]


def _topic_with_poison(settings: MeshSettings, topic: str) -> None:
    """offset 0 a good event, 1 poison (bad magic byte), 2 a good event; all in partition 0."""
    from mesh import Producer

    with Producer(topic, CLAIM_V1, source=SOURCE, settings=settings, auto_register=True) as producer:
        producer.publish(CLAIM_TYPE, claim(1), id="good-1", key="k")
    raw = confluent_kafka.Producer(settings.kafka.client_config())
    raw.produce(topic, b"\x07not framed", b"bad-key", headers=_ce("bad-1"))
    assert raw.flush(30) == 0
    with Producer(topic, CLAIM_V1, source=SOURCE, settings=settings) as producer:
        producer.publish(CLAIM_TYPE, claim(2), id="good-2", key="k")


def _groups(settings: MeshSettings) -> set[str]:
    admin = AdminClient(dict(settings.kafka.client_config()))
    return {g.group_id for g in admin.list_consumer_groups(request_timeout=10).result().valid}


def test_consume_is_read_only_warns_with_the_position_and_leaves_no_group(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], monkeypatch: Any
) -> None:
    topic = make_topic("readonly")
    _topic_with_poison(sdk_settings, topic)
    _env(monkeypatch, sdk_settings)
    before = _groups(sdk_settings)
    result = RUNNER.invoke(app, ["consume", topic, "--from-beginning", "--idle-timeout", "3"])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["id"], e["partition"], e["offset"]) for e in events] == [("good-1", 0, 0), ("good-2", 0, 2)]
    assert f"warning: {topic}[0]@1 cannot be read: " in result.stderr
    admin = AdminClient(dict(sdk_settings.kafka.client_config()))
    assert dlq_topic(topic) not in admin.list_topics(timeout=10).topics
    assert {g for g in _groups(sdk_settings) - before if g.startswith("mesh-")} == set()


def test_consume_partition_and_offset_start_where_asked(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], monkeypatch: Any
) -> None:
    topic = make_topic("position")
    _topic_with_poison(sdk_settings, topic)
    _env(monkeypatch, sdk_settings)
    result = RUNNER.invoke(app, ["consume", topic, "--partition", "0", "--offset", "2", "--idle-timeout", "3",
                                 "--format", "text"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith(f"0@2 {CLAIM_TYPE} k ")
    assert len(result.stdout.splitlines()) == 1
    missing = RUNNER.invoke(app, ["consume", topic, "--partition", "5", "--idle-timeout", "1"])
    assert missing.exit_code != 0 and "has no partition 5" in str(missing.exception)


def test_dead_letter_then_dlq_list_and_replay_to_the_original_topic(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], monkeypatch: Any
) -> None:
    topic = make_topic("replay")
    _topic_with_poison(sdk_settings, topic)
    _env(monkeypatch, sdk_settings)
    result = RUNNER.invoke(app, ["consume", topic, "--from-beginning", "--idle-timeout", "3", "--dead-letter"])
    assert result.exit_code == 0, result.output
    assert f"{topic}[0]@1 dead-lettered to {dlq_topic(topic)}" in result.stderr

    listed = RUNNER.invoke(app, ["dlq", "list", topic, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(r["at"], r["original"], r["error_class"], r["replayable"]) for r in rows] == [
        ("0:0", f"{topic}[0]@1", "FramingError", True)]
    assert "magic byte" in rows[0]["reason"]

    replayed = RUNNER.invoke(app, ["dlq", "replay", topic, "--at", "0:0"])
    assert replayed.exit_code == 0, replayed.output
    assert f"replayed 0:0 to {topic}" in replayed.stdout
    again = RUNNER.invoke(app, ["consume", topic, "--partition", "0", "--offset", "3", "--idle-timeout", "3"])
    assert f"warning: {topic}[0]@3 cannot be read" in again.stderr  # the same bytes are back, at the end

    dlq_read = RUNNER.invoke(app, ["consume", dlq_topic(topic), "--from-beginning", "--idle-timeout", "3",
                                   "--dead-letter"])
    assert dlq_read.exit_code == 0, dlq_read.output
    admin = AdminClient(dict(sdk_settings.kafka.client_config()))
    assert dlq_topic(dlq_topic(topic)) not in admin.list_topics(timeout=10).topics


def test_produce_to_a_product_checks_every_line_before_sending_any(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], monkeypatch: Any
) -> None:
    _env(monkeypatch, sdk_settings)
    good = json.dumps({"claim_id": "C-1", "subscriber_id": "S-1", "submitted_at": "2026-12-01T10:00:00Z",
                       "service_date": "2026-11-30", "provider_id": "P-1", "billed_amount": "12.50"},
                      default=json_default)
    bad = json.dumps({"claim_id": "C-2", "subscriber_id": "S-2"})
    args = ["produce", "--product", "claims.claims", "--type", "com.healthco.claims.ClaimSubmitted.v1",
            "--source", "/cli/test"]
    refused = RUNNER.invoke(app, args, input=f"{good}\n{bad}\n")
    assert refused.exit_code != 0
    assert "stdin line 2" in str(refused.exception) and "nothing was sent" in str(refused.exception)
    # the product topic is shared with other tests: only check that this run's delivery lands
    delivered = RUNNER.invoke(app, [*args, "--register"], input=f"{good}\n")
    admin = AdminClient(dict(sdk_settings.kafka.client_config()))
    if "prod.claims.claims.v1" not in admin.list_topics(timeout=10).topics:  # products not provisioned here
        assert "Topic 'prod.claims.claims.v1' does not exist" in str(delivered.exception)
        return
    assert delivered.exit_code == 0, delivered.output
    assert delivered.stdout.strip() == "delivered 1 event(s) to prod.claims.claims.v1"
