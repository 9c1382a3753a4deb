"""`mesh products check` without --against: a descriptor against its applied topic on the real broker."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]
from confluent_kafka.admin import AdminClient

from mesh.core.settings import KafkaSettings
from mesh.products.deployed import check_against_cluster
from mesh.products.loader import load_descriptor
from mesh.products.provision import Provisioner

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def admin(kafka_settings: KafkaSettings) -> AdminClient:
    return AdminClient(kafka_settings.client_config())


@pytest.fixture
def ledger_topic(admin: AdminClient, unique_name: Callable[[str], str]) -> Iterator[str]:
    name = unique_name("ledger")
    yield name
    if name in admin.list_topics(timeout=10).topics:
        admin.delete_topics([name])[name].result(timeout=30)


def test_changes_to_an_applied_product_are_findings(
    kafka_settings: KafkaSettings, admin: AdminClient, ledger_topic: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # descriptors name their schemas relative to the project root
    data = yaml.safe_load((REPO / "domains/claims/products/claims.yaml").read_text())
    data.update(id=f"claims.p{uuid.uuid4().hex[:8]}", namespace="test")
    path = tmp_path / "claims" / "products" / "p.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(data))
    product = load_descriptor(path)
    config = kafka_settings.client_config()
    provisioner = Provisioner(config, ledger_topic=ledger_topic, dlq=False, timeout_s=20)
    try:
        provisioner.apply(provisioner.plan([product]))
        clean = check_against_cluster(tmp_path, config, project_root=REPO, ledger_topic=ledger_topic)
        assert (clean.findings, len(clean.checked)) == ((), 1)

        data.update(partitions=3, retention={"cleanup_policy": "delete", "retention": "30d"}, key="claim_id")
        path.write_text(yaml.safe_dump(data))
        result = check_against_cluster(tmp_path, config, project_root=REPO, ledger_topic=ledger_topic)
        assert sorted((f.rule_id, f.path) for f in result.findings) == [
            ("GOV201", "key"), ("GOV202", "partitions"), ("GOV203", "retention.retention")]
        assert result.exit_code == 1
    finally:
        admin.delete_topics([product.descriptor.topic])[product.descriptor.topic].result(timeout=30)
