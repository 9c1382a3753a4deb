"""Data product descriptors decide the subjects of their schemas in `mesh schemas check|register`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mesh.cli.main import main
from mesh.cli.schema_subjects import product_assignments
from mesh.compat import Level
from tests.unit.governance.avro_samples import CLAIM_V1, CLAIM_WITH_DEFAULT, CLAIM_WITHOUT_DEFAULT

DESCRIPTOR = """\
domain: claims
id: claims.claims
version: 1
kind: source
owner: {team: Claims Platform, contact: claims-data@healthco.example}
description: Claims submitted by providers, for the tests of mesh schemas.
namespace: prod
lifecycle: active
events:
  com.healthco.claims.ClaimSubmitted.v1: schemas/claims/claim_submitted.avsc
compatibility: FULL_TRANSITIVE
key: claim_id
partitions: 1
retention: {cleanup_policy: delete, retention: 7d}
freshness_slo: 15m
classification: {claim_id: internal, amount: confidential%s}
"""
SUBJECT = "prod.claims.claims.v1-mesh.claims.ClaimSubmitted"
DESCRIPTOR_FILE = "domains/claims/products/claims.yaml"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root with one product and its schema, committed to git (`main`); the cwd is the root."""
    (tmp_path / "domains" / "claims" / "products").mkdir(parents=True)
    (tmp_path / "schemas" / "claims").mkdir(parents=True)
    (tmp_path / DESCRIPTOR_FILE).write_text(DESCRIPTOR % "")
    (tmp_path / "schemas" / "claims" / "claim_submitted.avsc").write_text(CLAIM_V1)
    for command in (["init", "-q", "-b", "main"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t.invalid",
                                                                  "commit", "-q", "-m", "v1"]):
        subprocess.run(["git", *command], cwd=tmp_path, check=True, capture_output=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_valid_descriptor_assigns_its_schemas(project: Path) -> None:
    assignments, findings = product_assignments(Path("domains"))
    assert findings == []
    (assignment,) = assignments
    assert (assignment.path, assignment.topic, assignment.level, assignment.owner) == (
        Path("schemas/claims/claim_submitted.avsc"), "prod.claims.claims.v1", Level.FULL_TRANSITIVE, DESCRIPTOR_FILE
    )


def test_a_descriptor_that_fails_validation_still_assigns_with_a_warning(project: Path) -> None:
    (project / DESCRIPTOR_FILE).write_text(DESCRIPTOR % ", unknown_field: public")
    assignments, findings = product_assignments(Path("domains"))
    assert [a.topic for a in assignments] == ["prod.claims.claims.v1"]
    assert [(f.rule_id, f.file, f.path) for f in findings] == [
        ("GOV008", DESCRIPTOR_FILE, "classification.unknown_field")
    ]


@pytest.mark.parametrize(
    ("case", "text"),
    [("bad_yaml", "domain: [claims"), ("missing_keys", "domain: claims\nid: claims.claims\n")],
)
def test_an_unreadable_descriptor_is_an_error_and_assigns_nothing(project: Path, case: str, text: str) -> None:
    (project / DESCRIPTOR_FILE).write_text(text)
    assignments, findings = product_assignments(Path("domains"))
    assert assignments == []
    assert [(f.rule_id, f.file) for f in findings] == [("GOV007", DESCRIPTOR_FILE)]


def test_no_domains_folder_means_no_assignments(tmp_path: Path) -> None:
    assert product_assignments(tmp_path / "domains") == ([], [])


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    return int(exited.value.code or 0), capsys.readouterr().out


def test_check_uses_the_product_subject_and_level(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "schemas" / "claims" / "claim_submitted.avsc").write_text(CLAIM_WITHOUT_DEFAULT)
    (project / DESCRIPTOR_FILE).write_text(DESCRIPTOR % ", currency: public")
    code, out = run(["schemas", "check", "--against", "main", "--format", "json"], capsys)
    document = json.loads(out)
    assert code == 1
    assert document["checked"] == [
        {"file": "schemas/claims/claim_submitted.avsc", "subject": SUBJECT, "level": "FULL_TRANSITIVE"}
    ]
    (finding,) = document["findings"]
    assert finding["subject"] == SUBJECT
    assert "this breaks FULL_TRANSITIVE" in finding["message"]
    assert finding["hint"].endswith("or publish it as prod.claims.claims.v2")


def test_check_fails_on_an_unreadable_descriptor(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / DESCRIPTOR_FILE).write_text("domain: [claims")
    code, out = run(["schemas", "check", "--against", "main"], capsys)
    assert code == 1
    assert out.startswith(f"ERROR GOV007 {DESCRIPTOR_FILE}: field (yaml): invalid YAML")


def test_register_refuses_while_a_descriptor_is_unreadable(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / DESCRIPTOR_FILE).write_text("domain: [claims")
    code, out = run(["schemas", "register", "--registry", "mock://never-used"], capsys)
    assert code == 1
    assert "Nothing registered" in out


def test_a_new_field_without_classification_is_an_error_of_the_check(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "schemas" / "claims" / "claim_submitted.avsc").write_text(CLAIM_WITH_DEFAULT)  # adds `currency`
    code, out = run(["schemas", "check", "--against", "main", "--format", "json"], capsys)
    assert code == 1
    (finding,) = [f for f in json.loads(out)["findings"] if f["rule_id"] == "GOV009"]
    assert (finding["severity"], finding["file"], finding["path"]) == ("ERROR", DESCRIPTOR_FILE,
                                                                       "classification.currency")
    assert "has no classification" in finding["message"]


def test_register_refuses_a_schema_with_an_unclassified_field(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "schemas" / "claims" / "claim_submitted.avsc").write_text(CLAIM_WITH_DEFAULT)
    code, out = run(["schemas", "register", "--registry", "mock://never-used"], capsys)
    assert code == 1
    assert f"ERROR GOV009 {DESCRIPTOR_FILE}" in out and "Nothing registered" in out
