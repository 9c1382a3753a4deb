"""Descriptor changes: one table row per rule (what changes, which rule fires), and the changes that are safe."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mesh.governance import RULES
from mesh.governance.findings import Severity
from mesh.governance.product_check import ProductSnapshot, check_products, compare

DAY = 86_400_000
BASE = ProductSnapshot(
    product_id="claims.claims",
    file="domains/claims/products/claims.yaml",
    key="subscriber_id",
    partitions=6,
    cleanup_policy="delete",
    retention_ms=400 * DAY,
    retention_text="400d",
    freshness_slo_ms=3_600_000,
    freshness_slo_text="1h",
    lifecycle="active",
    classification={"claim_id": "internal", "billed_amount": "phi"},
    consumers=("care.member_360", "finance.reserves"),
)

BREAKING = {
    "GOV201-changed-key": ({"key": "claim_id"}, "GOV201", "key", "'subscriber_id'"),
    "GOV202-fewer-partitions": ({"partitions": 3}, "GOV202", "partitions", "from 6"),
    "GOV203-shorter-retention": ({"retention_ms": 30 * DAY, "retention_text": "30d"}, "GOV203",
                                 "retention.retention", "from 400d"),
    "GOV203-infinite-to-finite": (None, "GOV203", "retention.retention", "from infinite"),
    "GOV204-changed-cleanup-policy": ({"cleanup_policy": "compact", "retention_ms": None}, "GOV204",
                                      "retention.cleanup_policy", "'delete'"),
    "GOV205-classification-downgrade": ({"classification": {"claim_id": "internal", "billed_amount": "internal"}},
                                        "GOV205", "classification.billed_amount", "phi"),
    "GOV206-weaker-freshness-slo": ({"freshness_slo_ms": 7_200_000, "freshness_slo_text": "2h"}, "GOV206",
                                    "freshness_slo", "from 1h"),
    "GOV207-removed-consumer": ({"consumers": ("care.member_360",)}, "GOV207", "consumers", "'finance.reserves'"),
    "GOV208-retired-without-deprecation": ({"lifecycle": "retired"}, "GOV208", "lifecycle", "straight to retired"),
}


@pytest.mark.parametrize("case", sorted(BREAKING), ids=sorted(BREAKING))
def test_each_risky_change_is_a_finding_of_its_rule(case: str) -> None:
    change, rule_id, path, quoted = BREAKING[case]
    old = BASE
    if change is None:  # infinite -> 400d
        old, change = replace(BASE, retention_ms=-1, retention_text="infinite"), {}
    (finding,) = compare(old, replace(BASE, **change), ref="origin/main")
    assert (finding.rule_id, finding.path, finding.file, finding.version) == (rule_id, path, BASE.file, "origin/main")
    assert finding.severity is RULES[rule_id].severity
    assert quoted in finding.message and "origin/main" in finding.message
    assert finding.hint


SAFE = {
    "more-partitions": {"partitions": 12},
    "longer-retention": {"retention_ms": 800 * DAY, "retention_text": "800d"},
    "infinite-retention": {"retention_ms": -1, "retention_text": "infinite"},
    "classification-upgrade": {"classification": {"claim_id": "confidential", "billed_amount": "phi"}},
    "classification-of-a-removed-field": {"classification": {"claim_id": "internal"}},
    "stricter-freshness": {"freshness_slo_ms": 60_000, "freshness_slo_text": "1m"},
    "added-consumer": {"consumers": ("care.member_360", "finance.reserves", "x.y")},
    "deprecated": {"lifecycle": "deprecated"},
    "unreadable-values-are-not-compared": {"key": None, "partitions": None, "retention_ms": None,
                                           "freshness_slo_ms": None},
}


@pytest.mark.parametrize("case", sorted(SAFE), ids=sorted(SAFE))
def test_safe_changes_have_no_finding(case: str) -> None:
    assert compare(BASE, replace(BASE, **SAFE[case]), ref="HEAD") == ()


def test_deprecated_to_retired_is_the_proper_path() -> None:
    assert compare(replace(BASE, lifecycle="deprecated"), replace(BASE, lifecycle="retired"), ref="HEAD") == ()


def test_a_deleted_descriptor_is_an_error_unless_the_product_was_retired() -> None:
    other = replace(BASE, product_id="clinical.visits", file="domains/clinical/products/visits.yaml")
    (finding,) = check_products([BASE, other], [BASE], ref="v1.0")
    assert (finding.rule_id, finding.file, finding.severity) == ("GOV209", other.file, Severity.ERROR)
    assert check_products([BASE, replace(other, lifecycle="retired")], [BASE], ref="v1.0") == ()


def test_a_new_product_has_nothing_to_break() -> None:
    assert check_products([], [BASE], ref="HEAD") == ()


def test_findings_come_in_the_order_of_the_current_files() -> None:
    second = replace(BASE, product_id="a.a", file="domains/a/products/a.yaml")
    findings = check_products([second, BASE], [replace(BASE, partitions=1), replace(second, partitions=1)],
                              ref="HEAD")
    assert [f.file for f in findings] == [BASE.file, second.file]
