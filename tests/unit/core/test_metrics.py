"""The shared metrics module: route labels stay bounded; the processor set records what it is told."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mesh.core.metrics import ProcessorMetrics, route_label


@pytest.mark.parametrize(("path", "label"), [
    ("/", "/"), ("", "/"), ("/products/claims.claims", "/products"), ("/products", "/products"),
    ("/unknown/x", "other"), ("/metrics", "/metrics"),
])
def test_route_label_is_the_known_first_segment(path: str, label: str) -> None:
    assert route_label(path, ("products", "metrics")) == label


def _values(metrics: ProcessorMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.exposition().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_processor_metrics_record_counts_gauges_and_freshness() -> None:
    metrics = ProcessorMetrics("member360")
    metrics.consumed("in", 5)
    metrics.consumed("in")
    metrics.produced("out", 4)
    metrics.dead_letter("in")
    metrics.set_held(7)
    metrics.set_lag({"in": 12, "other": 0})
    metrics.emitted(100.0, now_s=100.3)
    metrics.emitted(100.0, now_s=99.0)  # clock skew: counted as fresh, never negative
    values = _values(metrics)
    key = (("processor", "member360"), ("topic", "in"))
    assert values[("mesh_processor_events_in_total", key)] == 6
    assert values[("mesh_processor_events_out_total", (("processor", "member360"), ("topic", "out")))] == 4
    assert values[("mesh_processor_dead_lettered_total", key)] == 1
    assert values[("mesh_processor_held_events", (("processor", "member360"),))] == 7
    assert values[("mesh_processor_lag_messages", key)] == 12
    assert values[("mesh_processor_freshness_seconds_count", (("processor", "member360"),))] == 2
    assert values[("mesh_processor_freshness_seconds_sum", (("processor", "member360"),))] == pytest.approx(0.3)
    assert values[("mesh_processor_freshness_seconds_bucket", (("le", "0.25"), ("processor", "member360")))] == 1


def test_two_processors_in_one_process_do_not_clash() -> None:
    ProcessorMetrics("a").consumed("t")
    second = ProcessorMetrics("a")
    assert ("mesh_processor_events_in_total", (("processor", "a"), ("topic", "t"))) not in _values(second)
