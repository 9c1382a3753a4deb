"""`mesh products check` without --against: the descriptors against what is deployed on the cluster.

The cluster knows only part of a descriptor: each product topic's partitions, `cleanup.policy` and
`retention.ms` (topic configs) and the key it was applied with (the `_mesh_products` ledger). So this
compares those (GOV201-GOV204); classification, freshness SLO, consumers and lifecycle live only in
the repository and need `--against GIT_REF`. A product whose topic does not exist yet has nothing
deployed to break.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from mesh.governance.product_check import ProductSnapshot, check_products
from mesh.governance.schema_check import CheckedFile, CheckResult
from mesh.products.ledger import DEFAULT_LEDGER_TOPIC
from mesh.products.loader import Product, load_all
from mesh.products.plan import LedgerEntry, TopicState
from mesh.products.provision import Provisioner
from mesh.products.snapshot import snapshot

_UNITS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000))


def duration_text(ms: int) -> str:
    """`retention.ms` as a descriptor writes it: 86400000 -> 1d, -1 -> infinite, 1500 -> 1500ms."""
    if ms == -1:
        return "infinite"
    for unit, size in _UNITS:
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def deployed_snapshot(product: Product, topic: TopicState, ledger: LedgerEntry | None) -> ProductSnapshot:
    """What the cluster says about one product, in the shape the change rules compare."""
    policy = topic.configs.get("cleanup.policy")
    retention = topic.configs.get("retention.ms")
    retention_ms = int(retention) if retention is not None and policy and "delete" in policy else None
    return ProductSnapshot(
        product_id=product.id,
        file=f"{product.descriptor.topic} (deployed)",
        key=ledger.key if ledger is not None else None,
        partitions=topic.partitions,
        cleanup_policy=policy,
        retention_ms=retention_ms,
        retention_text=duration_text(retention_ms) if retention_ms is not None else None,
    )


def check_deployed(products: Sequence[Product], topics: Mapping[str, TopicState],
                   ledger: Mapping[str, LedgerEntry]) -> CheckResult:
    """Pure: each product's descriptor against its deployed topic and ledger entry."""
    current = [snapshot(p.file.read_text(encoding="utf-8"), file=str(p.file)) for p in products]
    deployed = [deployed_snapshot(p, topics[p.descriptor.topic], ledger.get(p.descriptor.topic))
                for p in products if p.descriptor.topic in topics]
    findings = check_products(deployed, current, ref="the cluster")  # "... from 6 (at the cluster) to 3"
    checked = tuple(CheckedFile(s.file, s.product_id) for s in current)
    return CheckResult(checked, findings, noun="descriptor", title="mesh products check")


def check_against_cluster(
    domains_dir: Path,
    client_config: Mapping[str, str | int | float | bool],
    *,
    project_root: Path | None = None,
    ledger_topic: str = DEFAULT_LEDGER_TOPIC,
) -> CheckResult:
    """Read the product topics' states and the ledger, then `check_deployed`."""
    products = load_all(domains_dir, project_root=project_root or domains_dir.parent)
    provisioner = Provisioner(client_config, ledger_topic=ledger_topic)
    topics = provisioner.topic_states([p.descriptor.topic for p in products])
    return check_deployed(products, topics, provisioner.ledger.read(provisioner.admin))
