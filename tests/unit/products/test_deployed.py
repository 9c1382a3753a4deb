"""`mesh products check` without --against: descriptors against the deployed topics and ledger (pure part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesh.products.deployed import check_deployed, duration_text
from mesh.products.loader import Product, load_all
from mesh.products.plan import LedgerEntry, TopicState

REPO = Path(__file__).resolve().parents[3]


def claims() -> Product:
    return next(p for p in load_all(REPO / "domains", project_root=REPO) if p.id == "claims.claims")


def deployed(partitions: int = 6, policy: str = "delete", retention: str = str(2557 * 86_400_000),
             key: str = "subscriber_id") -> tuple[dict[str, TopicState], dict[str, LedgerEntry]]:
    topic = "prod.claims.claims.v1"
    return ({topic: TopicState(topic, partitions, {"cleanup.policy": policy, "retention.ms": retention})},
            {topic: LedgerEntry(topic, "claims.claims", key, partitions)})


def test_a_descriptor_matching_the_cluster_passes() -> None:
    result = check_deployed([claims()], *deployed())
    assert (result.findings, result.exit_code) == ((), 0)


@pytest.mark.parametrize(("cluster", "rule_id", "says"), [
    ({"partitions": 12}, "GOV202", "partitions go down from 12 (at the cluster) to 6"),
    ({"retention": "-1"}, "GOV203", "retention shortened from infinite (at the cluster) to 2557d"),
    ({"policy": "compact"}, "GOV204", "cleanup policy changed from 'compact' (at the cluster) to 'delete'"),
    ({"key": "claim_id"}, "GOV201", "key changed from 'claim_id' (at the cluster) to 'subscriber_id'"),
])
def test_what_the_cluster_knows_is_compared(cluster: dict[str, object], rule_id: str, says: str) -> None:
    (finding,) = check_deployed([claims()], *deployed(**cluster)).findings  # type: ignore[arg-type]
    assert (finding.rule_id, finding.file) == (rule_id, str(claims().file))
    assert says in finding.message


def test_a_product_not_deployed_yet_has_nothing_to_break() -> None:
    assert check_deployed([claims()], {}, {}).findings == ()


@pytest.mark.parametrize(("ms", "text"), [(-1, "infinite"), (86_400_000, "1d"), (7_200_000, "2h"),
                                          (90_000, "90s"), (1500, "1500ms")])
def test_duration_text(ms: int, text: str) -> None:
    assert duration_text(ms) == text
