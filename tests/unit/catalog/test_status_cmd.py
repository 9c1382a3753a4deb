"""`mesh products status`: the catalog's numbers as a table or JSON, exit 1 when an SLO is breached."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from mesh.catalog.broker import BrokerView
from mesh.catalog.status import TopicObservation
from mesh.cli import products_cmd
from mesh.cli.main import main

NOW_MS = int(time.time() * 1000)


def _fake(ages_ms: dict[str, int | None]) -> type[BrokerView]:
    class Fake(BrokerView):
        def observe(self, topic: str, dlq_topic: str, *, window_s: int = 60, samples: int = 0,
                    groups: bool = True) -> tuple[TopicObservation, list[Any]]:
            age = ages_ms.get(topic.split(".")[2], 0)
            return TopicObservation(topic=topic, exists=True, at_ms=NOW_MS, window_s=window_s, recent=30,
                                    last_event_ms=None if age is None else NOW_MS - age, dead_letters=2), []

    return Fake


@pytest.fixture(autouse=True)
def _no_broker_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """The broker is faked: skip finding and probing a real one."""
    monkeypatch.setenv("MESH_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setattr(products_cmd, "require_broker", lambda settings: None)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out + captured.err


def test_status_json_uses_the_catalog_numbers(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(products_cmd, "BrokerView", _fake({"members": None}))
    code, out = run(capsys, "products", "status", "--format", "json")
    rows = {row["product"]: row for row in json.loads(out)}
    assert code == 0
    assert rows["claims.claims"]["state"] == "met" and rows["claims.claims"]["events_per_minute"] == 30.0
    assert rows["claims.claims"]["dead_letters"] == 2
    assert rows["membership.members"]["state"] == "no events"


def test_status_exits_1_when_a_product_breaches_its_slo(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(products_cmd, "BrokerView", _fake({"claims": 2 * 3_600_000}))  # SLO 1h
    code, out = run(capsys, "products", "status")
    assert code == 1
    line = next(line for line in out.splitlines() if "claims.claims" in line)
    assert "breached" in line and "2h 00m" in line
