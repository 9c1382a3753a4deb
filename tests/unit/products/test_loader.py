"""Descriptor loading: the shipped descriptors are valid, and each kind of mistake names file and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from mesh.core.errors import DescriptorError
from mesh.products.loader import load_all, load_descriptor, scan

CLAIMS = Path("domains/claims/products/claims.yaml")
BASE: dict[str, Any] = yaml.safe_load(CLAIMS.read_text())


def write(tmp_path: Path, data: Any, *, domain: str = "claims", name: str = "claims") -> Path:
    path = tmp_path / domain / "products" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def changed(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = data
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return data


def test_the_shipped_descriptors_load() -> None:
    products = load_all()
    assert [p.id for p in products] == [
        "care.member_360", "claims.claims", "clinical.visits", "membership.member_identity", "membership.members"
    ]
    member_360 = products[0].descriptor
    assert (member_360.topic, member_360.topic_configs()) == ("prod.care.member_360.v1", {"cleanup.policy": "compact"})


def test_topic_and_subjects_follow_the_naming_convention() -> None:
    product = load_descriptor(CLAIMS)
    assert product.descriptor.topic == "prod.claims.claims.v1"
    assert product.schema_for("com.healthco.claims.ClaimPaid.v1").subject == "prod.claims.claims.v1-mesh.claims.ClaimPaid"
    assert product.descriptor.topic_configs() == {"cleanup.policy": "delete", "retention.ms": str(2557 * 86_400_000)}


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        pytest.param(changed(colour="blue"), "colour", "unknown key", id="unknown-key"),
        pytest.param(changed(owner__phone="1"), "owner.phone", "unknown key", id="unknown-nested-key"),
        pytest.param(changed(partitions=None), "partitions", "required key is missing", id="missing-key"),
        pytest.param(changed(partitions=0), "partitions", "greater than or equal to 1", id="bad-partitions"),
        pytest.param(changed(namespace="staging"), "namespace", "not one of prod, preprod, test", id="bad-namespace"),
        pytest.param(changed(id="billing.claims"), "id", "must start with its domain", id="id-outside-domain"),
        pytest.param(changed(owner__contact="nobody"), "owner.contact", "should match pattern", id="bad-contact"),
        pytest.param(changed(freshness_slo="soon"), "freshness_slo", "is not a duration", id="bad-duration"),
        pytest.param(changed(retention={"cleanup_policy": "delete"}), "retention", "needs 'retention'",
                     id="delete-without-retention"),
        pytest.param(changed(retention={"cleanup_policy": "compact", "retention": "7d"}), "retention",
                     "remove 'retention'", id="compact-with-retention"),
        pytest.param(changed(kind="aggregate"), "inputs", "must list the products", id="aggregate-without-inputs"),
        pytest.param(changed(compatibility="SOMETIMES"), "compatibility", "Input should be", id="bad-compatibility"),
        pytest.param(changed(events={"com.healthco.claims.ClaimVoided.v1": "schemas/claims/claim_voided.avsc"}),
                     "events.com.healthco.claims.ClaimVoided.v1", "does not exist", id="missing-avsc"),
        pytest.param(changed(events={"com.healthco.claims.ClaimVoided.v1": "schemas/claims/claim_paid.avsc"}),
                     "events.com.healthco.claims.ClaimVoided.v1", "not mesh.claims.ClaimVoided", id="record-name"),
        pytest.param(changed(events={"claims.ClaimPaid": "schemas/claims/claim_paid.avsc"}),
                     "events.claims.ClaimPaid", "is not an event type", id="bad-event-type"),
        pytest.param(changed(key="claim_number"), "key", "not a string field", id="key-not-in-schema"),
        pytest.param(changed(classification__billed_amount=None), "classification.billed_amount",
                     "has no classification", id="unclassified-field"),
        pytest.param(changed(classification__colour="public"), "classification.colour", "no event schema",
                     id="stale-classification"),
        pytest.param(changed(classification__claim_id="secret"), "classification.claim_id", "Input should be",
                     id="bad-classification"),
        pytest.param("id: [unclosed", "(yaml)", "invalid YAML at line 1", id="bad-yaml"),
        pytest.param("- a list", "(descriptor)", "not a mapping", id="not-a-mapping"),
    ],
)
def test_each_mistake_names_file_and_field(tmp_path: Path, data: Any, field: str, problem: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(DescriptorError) as info:
        load_descriptor(path)
    assert (info.value.file, info.value.field) == (str(path), field)
    assert problem in info.value.problem
    assert info.value.hint


def test_a_descriptor_in_another_domains_folder_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, BASE, domain="clinical")
    with pytest.raises(DescriptorError, match="does not match the folder 'clinical'"):
        load_descriptor(path)


def test_scan_reports_every_broken_file_and_unknown_inputs(tmp_path: Path) -> None:
    write(tmp_path, changed(colour="blue"), name="one")
    write(tmp_path, changed(id="claims.two", kind="aggregate", inputs=["claims.nothing"]), name="two")
    products, errors = scan(tmp_path)
    assert [p.id for p in products] == ["claims.two"]
    assert sorted((Path(e.file).name, e.field) for e in errors) == [("one.yaml", "colour"), ("two.yaml", "inputs.0")]
