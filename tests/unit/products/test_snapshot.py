"""Descriptor YAML -> ProductSnapshot: lenient, so an old descriptor can still be compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesh.core.errors import DescriptorError
from mesh.products.snapshot import snapshot, snapshots, working_tree_texts


def test_the_real_claims_descriptor() -> None:
    path = Path("domains/claims/products/claims.yaml")
    found = snapshot(path.read_text(), file=str(path))
    assert (found.product_id, found.key, found.partitions, found.cleanup_policy) == (
        "claims.claims", "subscriber_id", 6, "delete")
    assert (found.retention_ms, found.freshness_slo_ms, found.lifecycle) == (2557 * 86_400_000, 3_600_000, "active")
    assert found.classification["billed_amount"] == "phi"


def test_consumers_are_read_as_ids_or_mappings_and_unknown_keys_are_tolerated() -> None:
    text = """id: a.b
consumers: [care.member_360, {id: finance.reserves, team: Finance}, {group: analytics}, 42]
some_future_key: 1
retention: {cleanup_policy: compact}
freshness_slo: soon
"""
    found = snapshot(text, file="a.yaml")
    assert found.consumers == ("analytics", "care.member_360", "finance.reserves")
    assert (found.retention_ms, found.freshness_slo_ms, found.freshness_slo_text) == (None, None, "soon")


def test_infinite_retention_is_minus_one() -> None:
    assert snapshot("id: a.b\nretention: {cleanup_policy: delete, retention: infinite}", file="f").retention_ms == -1


@pytest.mark.parametrize("text", ["[1, 2]", "key: x", "id: [", "id: 3"])
def test_a_descriptor_without_an_id_is_an_error_naming_the_file(text: str) -> None:
    with pytest.raises(DescriptorError) as caught:
        snapshot(text, file="domains/x/products/y.yaml")
    assert caught.value.file == "domains/x/products/y.yaml"
    found, errors = snapshots({"domains/x/products/y.yaml": text})
    assert (found, [e.file for e in errors]) == ([], ["domains/x/products/y.yaml"])


def test_working_tree_texts_reads_every_descriptor() -> None:
    texts = working_tree_texts(Path("domains"))
    assert sorted(texts) == sorted(str(p) for p in Path("domains").glob("*/products/*.yaml"))
    assert "id: claims.claims" in texts["domains/claims/products/claims.yaml"]
