"""faust stays supported as a client: an agent reads a product through the faust integration's schema
and sees the same events (type, id, decoded data) as the SDK producer wrote."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from mesh import Producer
from mesh.core.settings import MeshSettings
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, SOURCE, claim

ROOT = Path(__file__).resolve().parents[3]


def test_a_faust_agent_reads_a_product(sdk_settings: MeshSettings, make_topic: Callable[..., str],
                                       group_id: str, tmp_path: Path) -> None:
    topic = make_topic("faust", partitions=2)
    with Producer(topic, CLAIM_V1, source=SOURCE, settings=sdk_settings, auto_register=True) as producer:
        for n in range(10):
            producer.publish(CLAIM_TYPE, claim(n), id=f"c-{n}", key=f"k{n}")
    out = tmp_path / "events.txt"
    env = {**os.environ, **sdk_settings.client_env(), "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-m", "tests.integration.processing.faust_reader", group_id, topic,
                               str(out)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 10):
            assert worker.poll() is None, "the faust worker exited"
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    lines = sorted(out.read_text().splitlines())
    assert lines == sorted(f"{CLAIM_TYPE} c-{n} {claim(n)['claim_id']}" for n in range(10))
