"""Provisioning: inspect Kafka, the registry and the ledger, plan (pure, `plan.py`), then apply.

`apply` is idempotent (a second run plans nothing) and all-or-nothing with respect to refusals: a plan
with any refusal raises `ProvisioningError` before changing anything. Topic changes come first, then
subject compatibility levels (before registration, so the first registration already runs under the
product's level), then schemas, then the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from confluent_kafka.admin import AdminClient

# confluent-kafka re-exports these without __all__, so strict mypy wants their defining modules
from confluent_kafka.admin._config import AlterConfigOpType, ConfigEntry, ConfigResource
from confluent_kafka.admin._resource import ResourceType
from confluent_kafka.cimpl import NewPartitions

from mesh.clients import TopicAdmin, TopicSpec
from mesh.clients import admin as new_admin
from mesh.core.errors import ProvisioningError
from mesh.products.ledger import DEFAULT_LEDGER_TOPIC, Ledger
from mesh.products.loader import Product
from mesh.products.plan import Action, LedgerEntry, Plan, SubjectState, TopicState, plan
from mesh.products.registrar import Registrar

log = logging.getLogger(__name__)

MANAGED_CONFIGS = ("cleanup.policy", "retention.ms")


class Provisioner:
    """Plans and applies products on one cluster (and registry); nothing connects until first use."""

    def __init__(
        self,
        client_config: Mapping[str, str | int | float | bool],
        *,
        registrar: Registrar | None = None,
        ledger_topic: str = DEFAULT_LEDGER_TOPIC,
        replication_factor: int = -1,
        dlq: bool = True,
        timeout_s: float = 30.0,
    ) -> None:
        self._config: dict[str, str | int | float | bool] = dict(client_config)
        self._registrar = registrar
        self._replication = replication_factor
        self._dlq = dlq
        self._timeout = timeout_s
        self.ledger = Ledger(self._config, topic=ledger_topic, timeout_s=timeout_s)
        self._admin: AdminClient | None = None

    @property
    def admin(self) -> AdminClient:
        """The admin client, created on first use."""
        if self._admin is None:
            self._admin = new_admin(self._config)
        return self._admin

    def _wait(self, what: str, futures: Mapping[Any, Future[Any]]) -> dict[Any, Any]:
        return TopicAdmin(self.admin, timeout_s=self._timeout).wait(what, futures)

    def topic_states(self, names: Sequence[str]) -> dict[str, TopicState]:
        """The existing topics among `names`, with partition counts and managed configs."""
        metadata = self.admin.list_topics(timeout=self._timeout).topics
        present = [n for n in names if n in metadata]
        if not present:
            return {}
        resources = {ConfigResource(ResourceType.TOPIC, name): name for name in present}
        described = self._wait("describe the configs of", self.admin.describe_configs(list(resources)))
        states = {}
        for resource, entries in described.items():
            name = resources.get(resource, getattr(resource, "name", ""))
            configs = {k: entries[k].value for k in MANAGED_CONFIGS if k in entries}
            states[name] = TopicState(name=name, partitions=len(metadata[name].partitions), configs=configs)
        return states

    def subject_states(self, products: Sequence[Product]) -> dict[str, SubjectState]:
        """Compatibility level and registration of every event subject of `products`."""
        if self._registrar is None:
            return {}
        registrar = self._registrar
        return {
            s.subject: SubjectState(compatibility=registrar.compatibility(s.subject),
                                    registered=registrar.is_registered(s.subject, s.text))
            for p in products for s in p.schemas
        }

    def plan(self, products: Sequence[Product]) -> Plan:
        """Inspect, then plan: what `apply` would do for `products`."""
        names = [n for p in products for n in (p.descriptor.topic, p.descriptor.dlq_topic)]
        return plan(products, topics=self.topic_states(names), ledger=self.ledger.read(self.admin),
                    subjects=self.subject_states(products), dlq=self._dlq, registry=self._registrar is not None)

    def apply(self, the_plan: Plan) -> None:
        """Apply a plan; refuses (changing nothing) if it has refusals."""
        if the_plan.refusals:
            raise ProvisioningError([(r.target, r.problem, r.hint) for r in the_plan.refusals])
        by_kind: dict[str, list[Action]] = {}
        for action in the_plan.actions:
            by_kind.setdefault(action.kind, []).append(action)
            if action.warning:
                log.warning("%s %s: %s", action.kind, action.target, action.warning)
        if creates := by_kind.get("create_topic"):
            TopicAdmin(self.admin, timeout_s=self._timeout).create([
                TopicSpec(a.target, a.partitions, config=dict(a.configs), replication_factor=self._replication)
                for a in creates])
        if adds := by_kind.get("add_partitions"):
            self._wait("add partitions to", self.admin.create_partitions(
                [NewPartitions(a.target, a.partitions) for a in adds]))
        if alters := by_kind.get("alter_config"):
            self._wait("alter the configs of", self.admin.incremental_alter_configs([
                ConfigResource(ResourceType.TOPIC, a.target, incremental_configs=[
                    ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in a.configs.items()])
                for a in alters]))
        schema_actions = by_kind.get("set_compatibility", []) + by_kind.get("register_schema", [])
        if schema_actions and self._registrar is None:
            raise ProvisioningError([(a.target, "needs a schema registry", "configure MESH_REGISTRY__URL")
                                     for a in schema_actions])
        for action in by_kind.get("set_compatibility", []):
            assert self._registrar is not None
            self._registrar.set_compatibility(action.target, action.value)
        for action in by_kind.get("register_schema", []):
            assert self._registrar is not None
            schema_id = self._registrar.register(action.target, action.value)
            log.info("registered %s as schema id %d", action.target, schema_id)
        if records := by_kind.get("record_ledger"):
            self.ledger.ensure_topic(self.admin)
            self.ledger.write([LedgerEntry(topic=a.target, product_id=a.product_id, key=a.value, partitions=a.partitions)
                               for a in records])
