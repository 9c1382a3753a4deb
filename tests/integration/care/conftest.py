"""Member-360 integration fixtures: product topics of the test's own, SDK producers on them, the processor.

Each test gets fresh topics for the four source products and the member-360 product (the descriptors'
partitions and cleanup policies), a unique app id (consumer group, internal and changelog topics),
a free web port, and everything deleted afterwards.
"""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from domains.care.member360.config import ROOT, Member360Config
from domains.care.member360.runner import ProcessorProcess
from domains.wiring import source_producers
from mesh.core.naming import dlq_topic, product_topic
from mesh.core.settings import KafkaSettings, MeshSettings, RegistrySettings
from mesh.products.loader import Product, load_all
from mesh.sdk.producer import Producer


@pytest.fixture(scope="session")
def products() -> list[Product]:
    return load_all(ROOT / "domains", project_root=ROOT)


@pytest.fixture
def care_settings(kafka_settings: KafkaSettings, schema_registry_url: str) -> MeshSettings:
    return MeshSettings(kafka=kafka_settings,
                        registry=RegistrySettings(url=schema_registry_url))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mesh360:
    """The topics, config and clients of one test."""

    settings: MeshSettings
    products: list[Product]
    topics: dict[str, str]
    config: Member360Config
    tmp: Path

    def producers(self) -> dict[str, Producer]:
        """SDK producers of the four source products on this test's topics, by product name."""
        topics = {pid.split(".")[1]: topic for pid, topic in self.topics.items()}
        return source_producers(self.products, settings=self.settings, topics=topics, auto_register=True)

    def processor(self, name: str = "processor", **changes: Any) -> ProcessorProcess:
        """The processor on this test's config with `changes`; `log_level="info"` for a chattier log."""
        log_level = str(changes.pop("log_level", "warn"))
        config = self.config.model_copy(update=changes) if changes else self.config
        return ProcessorProcess(config, settings=self.settings, log_file=self.tmp / f"{name}.log",
                                log_level=log_level)


def log_tail(path: Path | None, lines: int = 200) -> str:
    """The last `lines` lines of a worker's log, to print when a test of it fails."""
    if path is None or not path.exists():
        return f"(no worker log at {path})"
    kept = path.read_text(errors="replace").splitlines()[-lines:]
    return "\n".join([f"--- last {len(kept)} lines of {path} ---", *kept])


@contextlib.contextmanager
def provisioned(settings: MeshSettings, products: list[Product], tmp_path: Path) -> Iterator[Mesh360]:
    """Fresh product topics (descriptors' partitions and configs) on `settings`' cluster, deleted after."""
    token = uuid.uuid4().hex[:8]
    admin = AdminClient(settings.kafka.client_config())
    topics: dict[str, str] = {}
    new: list[NewTopic] = []
    for product in products:
        d = product.descriptor
        topic = product_topic("test", d.domain, f"{d.product}_t{token}", d.version)
        topics[product.id] = topic
        new.append(NewTopic(topic, num_partitions=d.partitions, replication_factor=1, config=d.topic_configs()))
    for future in admin.create_topics(new).values():
        future.result(30)
    config = Member360Config(
        app_id=f"t-m360-{token}", members_topic=topics["membership.members"],
        identity_topic=topics["membership.member_identity"], claims_topic=topics["claims.claims"],
        visits_topic=topics["clinical.visits"], output_topic=topics["care.member_360"],
        web_port=free_port(), datadir=tmp_path / "data")
    yield Mesh360(settings, products, topics, config, tmp_path)
    doomed = set(topics.values()) | {dlq_topic(t) for t in topics.values()}
    internal = (config.app_id, f"repartition__{config.app_id}--", f"changelog__{config.app_id}--")
    existing = {t for t in admin.list_topics(timeout=10).topics if t in doomed or t.startswith(internal)}
    if existing:
        for future in admin.delete_topics(sorted(existing)).values():
            future.result(30)


@pytest.fixture
def mesh360(care_settings: MeshSettings, products: list[Product], tmp_path: Path) -> Iterator[Mesh360]:
    with provisioned(care_settings, products, tmp_path) as mesh:
        yield mesh
