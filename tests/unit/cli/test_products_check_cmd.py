"""`mesh products check --against REF` and its findings in `mesh schemas check --against REF`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from mesh.cli.main import main

REPO = Path(__file__).resolve().parents[3]
CLAIMS = Path("domains/claims/products/claims.yaml")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args], cwd=root, check=True,
                   capture_output=True)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's descriptors and schemas, committed as `main`; the cwd is its root."""
    for folder in ("domains", "schemas"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "v1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    return int(str(exited.value.code)), capsys.readouterr().out


def test_an_unchanged_tree_passes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "products", "check", "--against", "main")
    assert code == 0, out
    assert "0 error(s)" in out


def test_risky_changes_fail_with_rule_file_field_and_fix(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = CLAIMS.read_text().replace("partitions: 6", "partitions: 2").replace(
        "billed_amount: phi", "billed_amount: internal")
    CLAIMS.write_text(text)
    code, out = _run(capsys, "products", "check", "--against", "main", "--format", "json")
    assert code == 1
    findings = {(f["rule_id"], f["file"], f["path"]) for f in json.loads(out)["findings"]}
    assert findings == {("GOV202", str(CLAIMS), "partitions"), ("GOV205", str(CLAIMS), "classification.billed_amount")}


def test_schemas_check_reports_descriptor_changes_too(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    CLAIMS.write_text(CLAIMS.read_text().replace("lifecycle: active", "lifecycle: retired"))
    code, out = _run(capsys, "schemas", "check", "--against", "main")
    assert code == 1
    assert f"ERROR GOV208 {CLAIMS}: claims.claims: lifecycle goes from active (at main) straight to retired" in out


def test_an_unknown_ref_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["products", "check", "--against", "no-such-ref"])
    assert exited.value.code == 2
    assert "no-such-ref" in capsys.readouterr().err


def _drop_allowed_amount() -> None:
    adjudicated = Path("schemas/claims/claim_adjudicated.avsc")
    document = json.loads(adjudicated.read_text())
    document["fields"] = [f for f in document["fields"] if f["name"] != "allowed_amount"]
    adjudicated.write_text(json.dumps(document))
    CLAIMS.write_text(CLAIMS.read_text().replace("  allowed_amount: phi\n", ""))


def test_schemas_check_names_the_consumer_a_change_would_break(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _drop_allowed_amount()
    # NONE: the subject's own level would stop it too; the point is what the contract adds.
    code, out = _run(capsys, "schemas", "check", "--against", "main", "--level", "NONE")
    assert code == 1
    assert ("ERROR GOV301 schemas/claims/claim_adjudicated.avsc: breaks care.member_360's reader: field "
            "`allowed_amount` removed, read without a default") in out
    code, out = _run(capsys, "schemas", "check", "--against", "main", "--level", "NONE", "--contracts", "none")
    assert code == 0, out


def test_a_broken_contract_is_a_finding_of_schemas_check_and_contracts_validate(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contract = Path("domains/care/contracts/visits.yaml")
    contract.write_text(contract.read_text().replace("visit_type,", "visit_kind,"))
    code, out = _run(capsys, "schemas", "check", "--against", "main")
    assert code == 1
    assert "ERROR GOV303 domains/care/contracts/visits.yaml: field readers." in out
    code, out = _run(capsys, "contracts", "validate")
    assert code == 1
    assert "'visit_kind' is not in domains/care/contracts/readers/visit_completed.avsc" in out
    assert "3 valid contract(s), 1 problem(s)" in out


def test_against_a_registry_without_kafka_the_repo_readers_are_checked_and_it_says_so(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mesh.cli.contract_sources import ContractSource, readers_for
    from mesh.core.settings import MeshSettings

    monkeypatch.delenv("MESH_KAFKA__BOOTSTRAP_SERVERS", raising=False)
    readers, findings = readers_for(ContractSource.AUTO, against=None, domains_dir=Path("domains"),
                                    settings=MeshSettings.load(), topic="_mesh_contracts")
    assert {r.consumer for r in readers} == {"care.member_360"}
    assert [(f.rule_id, f.severity.value) for f in findings] == [("GOV304", "INFO")]
    assert "MESH_KAFKA__BOOTSTRAP_SERVERS" in (findings[0].hint or "")


def test_junit_names_the_products_check_suite(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    CLAIMS.write_text(CLAIMS.read_text().replace("freshness_slo: 1h", "freshness_slo: 4h"))
    code, out = _run(capsys, "products", "check", "--against", "main", "--format", "junit")
    assert code == 0  # a weaker SLO is a warning
    count = len(list(Path("domains").glob("*/products/*.yaml")))
    assert f'<testsuite name="mesh products check" tests="{count}" failures="0"' in out
    assert "WARNING GOV206" in out
