"""The member-360 worker's memory bounds: its consumers' prefetch, the settings that set it."""

from __future__ import annotations

from pathlib import Path

import pytest

from domains.care.member360.app import consumer_extra
from domains.care.member360.config import Member360Config, Member360Env
from domains.care.member360.runner import processor_env
from mesh.core.settings import KafkaSettings, MeshSettings


def test_the_consumer_prefetch_is_capped_at_16_mb_unless_configured(tmp_path: Path) -> None:
    assert consumer_extra(Member360Config.from_products(datadir=tmp_path)) == {
        "queued.max.messages.kbytes": 16 * 1024}  # librdkafka's default is 64 MB per consumer
    assert consumer_extra(Member360Config.from_products(datadir=tmp_path, fetch_buffer_mb=4)) == {
        "queued.max.messages.kbytes": 4 * 1024}


def test_member360_fetch_buffer_mb_reaches_the_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Member360Config.from_products(datadir=tmp_path, fetch_buffer_mb=5)
    env = processor_env(config, MeshSettings(kafka=KafkaSettings(bootstrap_servers="a:1")))
    assert env["MEMBER360_FETCH_BUFFER_MB"] == "5"
    monkeypatch.setenv("MEMBER360_FETCH_BUFFER_MB", env["MEMBER360_FETCH_BUFFER_MB"])
    assert Member360Env().config().fetch_buffer_mb == 5


def test_a_fetch_buffer_below_1_mb_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fetch_buffer_mb"):
        Member360Config.from_products(datadir=tmp_path, fetch_buffer_mb=0)
