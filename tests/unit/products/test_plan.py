"""Provisioning plans (pure): what is created, changed, left alone, or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesh.products.loader import Product, load_descriptor
from mesh.products.plan import DLQ_CONFIGS, LedgerEntry, Plan, SubjectState, TopicState, plan
from mesh.products.registrar import InMemoryRegistrar

CLAIMS = load_descriptor(Path("domains/claims/products/claims.yaml"))
TOPIC = CLAIMS.descriptor.topic
CONFIGS = CLAIMS.descriptor.topic_configs()
APPLIED = LedgerEntry(topic=TOPIC, product_id="claims.claims", key="subscriber_id", partitions=6)
REGISTERED = {s.subject: SubjectState(compatibility="BACKWARD_TRANSITIVE", registered=True) for s in CLAIMS.schemas}
IN_PLACE = {TOPIC: TopicState(TOPIC, 6, CONFIGS), CLAIMS.descriptor.dlq_topic: TopicState("dlq", 6, DLQ_CONFIGS)}


def plan_for(topics: dict[str, TopicState], ledger: dict[str, LedgerEntry] | None = None,
             subjects: dict[str, SubjectState] | None = None, product: Product = CLAIMS) -> Plan:
    return plan([product], topics=topics, ledger={TOPIC: APPLIED} if ledger is None else ledger,
                subjects=REGISTERED if subjects is None else subjects)


def test_nothing_exists_yet() -> None:
    result = plan_for({}, ledger={}, subjects={})
    kinds = [(a.kind, a.target) for a in result.actions]
    assert kinds[:2] == [("create_topic", TOPIC), ("create_topic", f"{TOPIC}.dlq")]
    assert [k for k, _ in kinds[2:]] == ["set_compatibility", "register_schema"] * 3 + ["record_ledger"]
    assert result.actions[0].partitions == 6 and dict(result.actions[0].configs) == CONFIGS


def test_everything_in_place_is_a_noop() -> None:
    assert plan_for(IN_PLACE).is_noop


@pytest.mark.parametrize(
    ("topics", "ledger", "expected"),
    [
        pytest.param({**IN_PLACE, TOPIC: TopicState(TOPIC, 4, CONFIGS)}, None, ["add_partitions"], id="more-partitions"),
        pytest.param({**IN_PLACE, TOPIC: TopicState(TOPIC, 6, {**CONFIGS, "retention.ms": "1000"})}, None,
                     ["alter_config"], id="retention-drift"),
        pytest.param({**IN_PLACE, TOPIC: TopicState(TOPIC, 6, {"cleanup.policy": "compact"})}, None,
                     ["alter_config"], id="policy-drift"),
        pytest.param(IN_PLACE, {}, ["record_ledger"], id="adopt-unrecorded-topic"),
    ],
)
def test_changes_kafka_can_make_are_planned(
    topics: dict[str, TopicState], ledger: dict[str, LedgerEntry] | None, expected: list[str]
) -> None:
    result = plan_for(topics, ledger)
    assert [a.kind for a in result.actions] == expected
    assert result.refusals == ()


def test_an_adopted_topic_is_flagged() -> None:
    (action,) = plan_for(IN_PLACE, ledger={}).actions
    assert "cannot be verified" in action.warning


@pytest.mark.parametrize(
    ("topics", "ledger", "problem"),
    [
        pytest.param({**IN_PLACE, TOPIC: TopicState(TOPIC, 12, CONFIGS)}, None, "has 12 partitions", id="fewer-partitions"),
        pytest.param(IN_PLACE, {TOPIC: LedgerEntry(TOPIC, "claims.claims", "claim_id", 6)}, "with key 'claim_id'",
                     id="key-change"),
    ],
)
def test_changes_kafka_cannot_make_safely_are_refused(
    topics: dict[str, TopicState], ledger: dict[str, LedgerEntry] | None, problem: str
) -> None:
    result = plan_for(topics, ledger)
    (refusal,) = result.refusals
    assert problem in refusal.problem and "version: 2" in refusal.hint
    assert "record_ledger" not in [a.kind for a in result.actions]


def test_schema_actions_follow_the_registry_state() -> None:
    first = CLAIMS.schemas[0].subject
    subjects = {**REGISTERED, first: SubjectState(compatibility="BACKWARD", registered=False)}
    result = plan_for(IN_PLACE, subjects=subjects)
    assert [(a.kind, a.target, a.value[:30]) for a in result.actions] == [
        ("set_compatibility", first, "BACKWARD_TRANSITIVE"), ("register_schema", first, CLAIMS.schemas[0].text[:30]),
    ]


def test_without_a_registry_only_topics_are_planned() -> None:
    result = plan([CLAIMS], topics={}, ledger={}, subjects={}, registry=False, dlq=False)
    assert [a.kind for a in result.actions] == ["create_topic", "record_ledger"]


def test_in_memory_registrar_is_idempotent() -> None:
    registrar = InMemoryRegistrar()
    schema = CLAIMS.schemas[0]
    assert registrar.register(schema.subject, schema.text) == registrar.register(schema.subject, schema.text)
    assert registrar.versions[schema.subject] == [schema.text]


def test_confluent_registrar_registers_once_on_confluents_mock_client() -> None:
    from confluent_kafka.schema_registry import SchemaRegistryClient

    from mesh.products.registrar import ConfluentRegistrar

    registrar = ConfluentRegistrar(SchemaRegistryClient.new_client({"url": "mock://products-test"}))
    schema = CLAIMS.schemas[1]
    assert not registrar.is_registered(schema.subject, schema.text)
    schema_id = registrar.register(schema.subject, schema.text)
    assert registrar.is_registered(schema.subject, schema.text)
    assert registrar.register(schema.subject, schema.text) == schema_id


def test_an_unreachable_registry_is_a_registry_error_with_a_hint() -> None:
    from confluent_kafka.schema_registry import SchemaRegistryClient

    from mesh.core.errors import RegistryError
    from mesh.products.registrar import ConfluentRegistrar

    url = "http://127.0.0.1:9"  # the discard port: nothing answers
    registrar = ConfluentRegistrar(SchemaRegistryClient({"url": url, "max.retries": 0}), url=url)
    with registrar, pytest.raises(RegistryError, match="Cannot reach the schema registry") as info:
        registrar.is_registered("s", CLAIMS.schemas[0].text)
    assert "--no-registry" in str(info.value)


def test_a_retired_product_is_left_alone() -> None:
    retired = Product(descriptor=CLAIMS.descriptor.model_copy(update={"lifecycle": "retired"}), file=CLAIMS.file,
                      schemas=CLAIMS.schemas)
    assert plan([retired], topics={}, ledger={}, subjects={}).is_noop


def test_details_read_as_text_not_python_reprs() -> None:
    created = plan_for({}, ledger={}, subjects={})
    altered = plan_for({**IN_PLACE, TOPIC: TopicState(TOPIC, 6, {"cleanup.policy": "compact"})})
    details = [a.detail for a in (*created.actions, *altered.actions)]
    assert details[0] == "create with 6 partitions, " + ", ".join(f"{k}={v}" for k, v in CONFIGS.items())
    assert "compatibility (unset) -> BACKWARD_TRANSITIVE" in details
    assert "retention.ms=(unset)" in next(d for d in details if d.startswith("cleanup.policy=compact"))
    assert not any("{" in d or "None" in d for d in details)
