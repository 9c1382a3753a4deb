"""The semantic rules at the deploy gate: severities, messages and the catalogue entries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mesh.compat.semantic import SemanticKind
from mesh.governance import rules
from mesh.governance.findings import Severity
from mesh.governance.schema_check import DeployedSubject, DeployedVersion, SchemaFile, check_files
from mesh.governance.semantic_gate import RULE_OF, SUPPRESSIBLE, Suppression, suppress
from mesh.governance.subjects import convention_resolver

FILE = "schemas/claims/claim.avsc"
DEC = {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}
STATUS = {"type": "enum", "name": "Status", "symbols": ["OPEN", "PAID", "DENIED"], "default": "OPEN"}


def claim(field_type: Any) -> str:
    return json.dumps({"type": "record", "name": "Claim", "namespace": "mesh.claims", "fields": [
        {"name": "claim_id", "type": "string"}, {"name": "amount", "type": field_type}]})


def run(old: Any, new: Any) -> list[tuple[str, Severity, str]]:
    def fetch(local: Any) -> dict[str, DeployedSubject]:
        return {item.subject: DeployedSubject(item.subject, (DeployedVersion(3, claim(old)),)) for item in local}
    result = check_files([SchemaFile(FILE, claim(new))], resolver=convention_resolver(), fetch_deployed=fetch)
    return [(f.rule_id, f.severity, f.message) for f in result.findings]


@pytest.mark.parametrize(("old", "new", "rule_id", "severity"), [
    (["null", DEC], ["null", {**DEC, "scale": 3}], "GOV106", Severity.ERROR),
    (DEC, {**DEC, "precision": 10}, "GOV108", Severity.WARNING),
    (STATUS, {**STATUS, "symbols": ["OPEN", "PAID"]}, "GOV107", Severity.WARNING),
    ({"type": "long", "logicalType": "timestamp-millis"}, "long", "GOV103", Severity.ERROR),
], ids=["scale-behind-union", "precision-lowered", "enum-symbol-removed", "timestamp-dropped"])
def test_semantic_findings_carry_rule_severity_field_types_and_version(
    old: Any, new: Any, rule_id: str, severity: Severity
) -> None:
    semantic = [item for item in run(old, new) if item[0].startswith("GOV1")]
    assert [(r, s) for r, s, _ in semantic] == [(rule_id, severity)]
    assert semantic[0][2].startswith("field path amount (/fields/1/type")
    assert "(against version 3 of subject mesh.claims.Claim)" in semantic[0][2]


def test_every_semantic_kind_has_a_rule_in_one_block_of_the_catalogue() -> None:
    assert set(RULE_OF) == set(SemanticKind)
    start = rules.CATALOGUE.index(rules.SEMANTIC[0])
    assert rules.CATALOGUE[start:start + len(rules.SEMANTIC)] == rules.SEMANTIC
    assert [rule.rule_id for rule in rules.SEMANTIC] == [f"GOV10{n}" for n in range(1, 9)]
    assert SUPPRESSIBLE == {rule.rule_id for rule in rules.SEMANTIC}
    assert all(rules.RULES[rule.rule_id] is rule for rule in rules.SEMANTIC)


def test_suppress_leaves_non_semantic_rules_alone() -> None:
    finding = rules.INCOMPATIBLE_CHANGE.finding(FILE, "field path amount (/fields/1/type): breaks BACKWARD")
    fake = Suppression("GOV002", "a reason long enough", "x.yaml")  # the descriptor model refuses this
    assert suppress([finding], {FILE: [fake]}) == (finding,)
