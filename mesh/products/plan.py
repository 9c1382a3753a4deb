"""Provisioning plans: desired products vs what exists -> the actions to take, or refusals. Pure.

Kafka can add partitions and change topic configs in place, but it cannot remove partitions, and a
product's key cannot change without breaking every consumer that relies on per-key order or on
compaction. The key is not part of Kafka's topic metadata, so the provisioner records what it
applied per topic (partitions, key, product id) in a ledger (a compacted topic, `ledger.py`) and
this module compares against that. A topic that exists without a ledger entry (created by hand) is
adopted: its key cannot be verified, which the plan says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from mesh.products.loader import Product

DLQ_CONFIGS = {"cleanup.policy": "delete", "retention.ms": str(30 * 86_400_000)}

ActionKind = Literal[
    "create_topic", "add_partitions", "alter_config", "set_compatibility", "register_schema", "record_ledger"
]


@dataclass(frozen=True, slots=True)
class TopicState:
    """An existing topic: partition count and the values of the configs products manage."""

    name: str
    partitions: int
    configs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """What the provisioner last applied to a topic."""

    topic: str
    product_id: str
    key: str
    partitions: int


@dataclass(frozen=True, slots=True)
class SubjectState:
    """A subject in the registry: its subject-level compatibility and whether the schema is registered."""

    compatibility: str | None
    registered: bool


@dataclass(frozen=True, slots=True)
class Action:
    """One change to make. `target` is a topic or a subject; `detail` says what changes, for humans."""

    kind: ActionKind
    product_id: str
    target: str
    detail: str
    partitions: int = 0
    configs: Mapping[str, str] = field(default_factory=dict)
    value: str = ""  # the compatibility level, the schema text, or the ledger key
    warning: str = ""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A change Kafka cannot make safely; nothing of the plan is applied while any refusal remains."""

    product_id: str
    target: str
    problem: str
    hint: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Actions in the order to apply them, and refusals."""

    actions: tuple[Action, ...] = ()
    refusals: tuple[Refusal, ...] = ()

    @property
    def is_noop(self) -> bool:
        """True when everything is already as described."""
        return not self.actions and not self.refusals


def _configs(configs: Mapping[str, str | None]) -> str:
    """Topic configs for humans: `cleanup.policy=delete, retention.ms=-1` (unset values say so)."""
    return ", ".join(f"{k}={'(unset)' if v is None else v}" for k, v in configs.items())


def _topic_actions(product: Product, existing: TopicState | None, ledger: LedgerEntry | None
                   ) -> tuple[list[Action], list[Refusal]]:
    d = product.descriptor
    desired = d.topic_configs()
    if existing is None:
        return [Action("create_topic", d.id, d.topic, f"create with {d.partitions} partitions, {_configs(desired)}",
                       partitions=d.partitions, configs=desired)], []
    actions: list[Action] = []
    refusals: list[Refusal] = []
    if existing.partitions > d.partitions:
        refusals.append(Refusal(
            d.id, d.topic, f"has {existing.partitions} partitions; the descriptor asks for {d.partitions}",
            hint=f"Kafka cannot remove partitions: set partitions back to {existing.partitions}, or publish a new "
                 f"major version (version: {d.version + 1}) on a new topic and migrate consumers"))
    elif existing.partitions < d.partitions:
        actions.append(Action("add_partitions", d.id, d.topic, f"{existing.partitions} -> {d.partitions} partitions",
                              partitions=d.partitions,
                              warning="new partitions change which partition a key maps to: per-key order is "
                                      "only kept for events produced after the change"))
    changed = {k: v for k, v in desired.items() if existing.configs.get(k) != v}
    if changed:
        before = {k: existing.configs.get(k) for k in changed}
        actions.append(Action("alter_config", d.id, d.topic, f"{_configs(before)} -> {_configs(changed)}", configs=changed))
    if ledger is not None and ledger.key != d.key:
        refusals.append(Refusal(
            d.id, d.topic, f"was provisioned with key {ledger.key!r}; the descriptor now says {d.key!r}",
            hint="a key change reshuffles partitions and breaks compaction and per-key order: keep the key, or "
                 f"publish a new major version (version: {d.version + 1}) keyed by {d.key!r}"))
    return actions, refusals


def plan(
    products: Sequence[Product],
    *,
    topics: Mapping[str, TopicState],
    ledger: Mapping[str, LedgerEntry],
    subjects: Mapping[str, SubjectState],
    dlq: bool = True,
    registry: bool = True,
) -> Plan:
    """The plan that makes Kafka and the registry match `products` (see the module docstring).

    `dlq` adds each product's dead-letter topic; `registry=False` plans topics only (no registry at hand).
    Retired products are left alone: nothing is created or changed for them, nothing is deleted either.
    """
    topic_actions: list[Action] = []
    schema_actions: list[Action] = []
    ledger_actions: list[Action] = []
    refusals: list[Refusal] = []
    for product in products:
        d = product.descriptor
        if d.lifecycle == "retired":
            continue  # a retired product keeps whatever exists until someone deletes it on purpose
        existing, entry = topics.get(d.topic), ledger.get(d.topic)
        actions, refused = _topic_actions(product, existing, entry)
        topic_actions += actions
        refusals += refused
        if dlq and d.dlq_topic not in topics:
            topic_actions.append(Action("create_topic", d.id, d.dlq_topic, f"dead letters, {_configs(DLQ_CONFIGS)}",
                                        partitions=d.partitions, configs=DLQ_CONFIGS))
        for schema in product.schemas if registry else ():
            state = subjects.get(schema.subject, SubjectState(compatibility=None, registered=False))
            if state.compatibility != d.compatibility:
                schema_actions.append(Action("set_compatibility", d.id, schema.subject,
                                             f"compatibility {state.compatibility or '(unset)'} -> {d.compatibility}",
                                             value=d.compatibility))
            if not state.registered:
                schema_actions.append(Action("register_schema", d.id, schema.subject,
                                             f"register {schema.path.as_posix()}", value=schema.text))
        wanted = LedgerEntry(topic=d.topic, product_id=d.id, key=d.key, partitions=d.partitions)
        if entry != wanted and not refused:
            adopted = existing is not None and entry is None
            ledger_actions.append(Action(
                "record_ledger", d.id, d.topic, f"record key {d.key!r}, {d.partitions} partitions",
                value=d.key, partitions=d.partitions,
                warning="topic existed without a ledger entry: adopted, its previous key cannot be verified"
                if adopted else ""))
    return Plan(actions=tuple(topic_actions + schema_actions + ledger_actions), refusals=tuple(refusals))
