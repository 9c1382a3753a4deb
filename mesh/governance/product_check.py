"""Descriptor changes as governance decisions: pure functions from two sets of product snapshots to findings.

    check_products(previous, current, ref=...)    every GOV1xx finding, in file order

A `ProductSnapshot` holds only what the rules compare (key, partitions, retention, cleanup policy,
classification, freshness SLO, consumers, lifecycle). Callers build snapshots leniently from the
descriptor YAML (`mesh.products.snapshot`): a descriptor at an old git ref need not validate against
today's model to be compared. A value that is None was not readable and is not compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mesh.governance import rules
from mesh.governance.findings import Finding

# Lowest to highest protection: a field may move up this list, never down.
CLASSIFICATION_RANK = {"public": 0, "internal": 1, "confidential": 2, "pii": 3, "phi": 4}


@dataclass(frozen=True, slots=True)
class ProductSnapshot:
    """What the descriptor change rules compare, for one product; `file` is shown in findings.

    `retention_ms` is -1 for infinite and None when compaction alone decides (or it is unreadable).
    """

    product_id: str
    file: str
    key: str | None = None
    partitions: int | None = None
    cleanup_policy: str | None = None
    retention_ms: int | None = None
    retention_text: str | None = None
    freshness_slo_ms: int | None = None
    freshness_slo_text: str | None = None
    lifecycle: str | None = None
    classification: Mapping[str, str] = field(default_factory=dict)
    consumers: tuple[str, ...] = ()


def _longer(new_ms: int, old_ms: int) -> bool:
    """True when retention `new_ms` keeps data longer than `old_ms` (-1 is infinite)."""
    if old_ms == -1:
        return new_ms == -1
    return new_ms == -1 or new_ms >= old_ms


def _key(old: ProductSnapshot, new: ProductSnapshot, ref: str) -> list[Finding]:
    if old.key is None or new.key is None or old.key == new.key:
        return []
    return [rules.CHANGED_KEY.finding(
        new.file, f"{new.product_id}: key changed from {old.key!r} (at {ref}) to {new.key!r}", path="key",
        hint=f"keep key {old.key!r}, or publish the new key as the next major version of the product", version=ref,
    )]


def _partitions(old: ProductSnapshot, new: ProductSnapshot, ref: str) -> list[Finding]:
    if old.partitions is None or new.partitions is None or new.partitions >= old.partitions:
        return []
    return [rules.FEWER_PARTITIONS.finding(
        new.file, f"{new.product_id}: partitions go down from {old.partitions} (at {ref}) to {new.partitions}",
        path="partitions", hint=f"keep partitions: {old.partitions} (Kafka can only add partitions)", version=ref,
    )]


def _retention(old: ProductSnapshot, new: ProductSnapshot, ref: str) -> list[Finding]:
    findings: list[Finding] = []
    if old.cleanup_policy and new.cleanup_policy and old.cleanup_policy != new.cleanup_policy:
        findings.append(rules.CHANGED_CLEANUP_POLICY.finding(
            new.file, f"{new.product_id}: cleanup policy changed from {old.cleanup_policy!r} (at {ref}) "
            f"to {new.cleanup_policy!r}", path="retention.cleanup_policy",
            hint=f"keep cleanup_policy: {old.cleanup_policy}, or publish the change as the next major version",
            version=ref,
        ))
    elif old.retention_ms is not None and new.retention_ms is not None and not _longer(new.retention_ms,
                                                                                      old.retention_ms):
        findings.append(rules.SHORTER_RETENTION.finding(
            new.file, f"{new.product_id}: retention shortened from {old.retention_text} (at {ref}) to "
            f"{new.retention_text}", path="retention.retention",
            hint=f"keep retention: {old.retention_text} (consumers may replay that far back), or agree the "
            "change with every consumer and publish it as the next major version", version=ref,
        ))
    return findings


def _classification(old: ProductSnapshot, new: ProductSnapshot, ref: str) -> list[Finding]:
    findings: list[Finding] = []
    for path, was in sorted(old.classification.items()):
        now = new.classification.get(path)
        if now is None or CLASSIFICATION_RANK.get(now, -1) >= CLASSIFICATION_RANK.get(was, -1):
            continue
        findings.append(rules.CLASSIFICATION_DOWNGRADE.finding(
            new.file, f"{new.product_id}: field {path!r} downgraded from {was} (at {ref}) to {now}",
            path=f"classification.{path}",
            hint=f"keep {path}: {was}; a lower class needs the data owner's and privacy office's sign-off, "
            "recorded as a new major version whose data was actually de-identified", version=ref,
        ))
    return findings


def _freshness(old: ProductSnapshot, new: ProductSnapshot, ref: str) -> list[Finding]:
    if old.freshness_slo_ms is None or new.freshness_slo_ms is None or new.freshness_slo_ms <= old.freshness_slo_ms:
        return []
    return [rules.WEAKER_FRESHNESS_SLO.finding(
        new.file, f"{new.product_id}: freshness SLO weakened from {old.freshness_slo_text} (at {ref}) to "
        f"{new.freshness_slo_text}", path="freshness_slo",
        hint=f"keep freshness_slo: {old.freshness_slo_text}, or tell the product's consumers first", version=ref,
    )]


def _consumers(old: ProductSnapshot, new: ProductSnapshot, ref: str) -> list[Finding]:
    return [rules.REMOVED_CONSUMER.finding(
        new.file, f"{new.product_id}: consumer {gone!r} (listed at {ref}) is no longer listed", path="consumers",
        hint=f"check that {gone} has stopped reading the product (its consumer contract is withdrawn), "
        "or list it again", version=ref,
    ) for gone in sorted(set(old.consumers) - set(new.consumers))]


def _lifecycle(old: ProductSnapshot, new: ProductSnapshot, ref: str) -> list[Finding]:
    if old.lifecycle != "active" or new.lifecycle != "retired":
        return []
    return [rules.RETIRED_WITHOUT_DEPRECATION.finding(
        new.file, f"{new.product_id}: lifecycle goes from active (at {ref}) straight to retired", path="lifecycle",
        hint="set lifecycle: deprecated first and ship it, give consumers their deprecation period, then retire",
        version=ref,
    )]


_RULES = (_key, _partitions, _retention, _classification, _freshness, _consumers, _lifecycle)


def compare(old: ProductSnapshot, new: ProductSnapshot, *, ref: str) -> tuple[Finding, ...]:
    """Every finding about one product's change from `old` (at `ref`) to `new`."""
    return tuple(finding for rule in _RULES for finding in rule(old, new, ref))


def check_products(
    previous: Sequence[ProductSnapshot], current: Sequence[ProductSnapshot], *, ref: str
) -> tuple[Finding, ...]:
    """Compare each current product with its snapshot at `ref`; a new product has nothing to break.

    A product at `ref` whose descriptor is gone is a GOV209 finding unless it was retired there.
    """
    now = {snapshot.product_id: snapshot for snapshot in current}
    findings: list[Finding] = []
    for old in previous:
        new = now.get(old.product_id)
        if new is not None:
            findings.extend(compare(old, new, ref=ref))
        elif old.lifecycle != "retired":
            findings.append(rules.PRODUCT_REMOVED.finding(
                old.file, f"{old.product_id} ({old.lifecycle or 'unknown lifecycle'} at {ref}) has no descriptor "
                "any more", path="(file)",
                hint="restore the descriptor: deprecate the product, then retire it, before deleting its file",
                version=ref,
            ))
    order = {snapshot.file: index for index, snapshot in enumerate(current)}
    return tuple(sorted(findings, key=lambda finding: order.get(finding.file, len(order))))
