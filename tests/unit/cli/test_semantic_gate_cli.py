"""The issue's acceptance test: `billed_amount` decimal -> "string" fails `mesh schemas check --against HEAD`.

Runs the installed `mesh` console script in a temporary git repository holding a copy of this
project's schemas and product descriptors, exactly as a producer team would.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mesh.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
MESH = Path(sys.executable).with_name("mesh")
CLAIM = Path("schemas/claims/claim_submitted.avsc")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args], cwd=repo,
                   capture_output=True, check=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repo with this project's schemas/ and domains/*/products/*.yaml committed on `main`."""
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    for descriptor in (ROOT / "domains").glob("*/products/*.yaml"):
        target = tmp_path / descriptor.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(descriptor, target)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "deployed")
    return tmp_path


def billed_amount_as_string(project: Path) -> None:
    schema = json.loads((project / CLAIM).read_text())
    (field,) = [f for f in schema["fields"] if f["name"] == "billed_amount"]
    assert field["type"]["logicalType"] == "decimal"
    field["type"] = "string"
    (project / CLAIM).write_text(json.dumps(schema, indent=2))


def mesh(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MESH), "schemas", "check", "--against", "HEAD", *args], check=False, cwd=project,
                          capture_output=True, text=True, timeout=120)


def in_process(project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
               *args: str) -> tuple[int, str]:
    """The same command through `mesh.cli.main.main` (seconds faster than a new interpreter)."""
    monkeypatch.chdir(project)
    with pytest.raises(SystemExit) as exited:
        main(["schemas", "check", "--against", "HEAD", *args])
    return int(exited.value.code or 0), capsys.readouterr().out


def test_unchanged_project_passes(project: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out = in_process(project, monkeypatch, capsys)
    assert code == 0, out


def test_billed_amount_decimal_to_string_fails_with_path_types_and_fix(project: Path) -> None:
    billed_amount_as_string(project)
    done = mesh(project)
    assert done.returncode == 1, done.stdout + done.stderr
    (error,) = [line for line in done.stdout.splitlines() if line.startswith("ERROR")]
    assert error.startswith(f"ERROR GOV101 {CLAIM}: field path billed_amount (/fields/5/type): "
                            "bytes (decimal(12, 2)) becomes string")
    assert "reads 123.45 (written as b'\\x30\\x39') as the bare string '09'" in error
    assert "Fix: keep field 'billed_amount' as bytes (decimal(12, 2)); for the new type add a new field" in error
    assert error.endswith("or publish it as prod.claims.claims.v2")


def test_json_and_junit_reports_carry_the_finding(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    billed_amount_as_string(project)
    code, out = in_process(project, monkeypatch, capsys, "--format", "json")
    assert code == 1
    findings = [f for f in json.loads(out)["findings"] if f["rule_id"] == "GOV101"]
    assert [(f["severity"], f["path"], f["file"]) for f in findings] == [("ERROR", "/fields/5/type", str(CLAIM))]
    report = tmp_path / "junit.xml"
    code, _ = in_process(project, monkeypatch, capsys, "--format", "junit", "--output", str(report))
    assert code == 1
    failures = [f.get("message", "") for f in ET.parse(report).iter("failure")]
    assert any("GOV101" in message and "billed_amount" in message for message in failures), failures


DESCRIPTOR = Path("domains/claims/products/claims.yaml")


def add_suppression(project: Path, text: str) -> None:
    with (project / DESCRIPTOR).open("a", encoding="utf-8") as out:
        out.write("suppressions:\n" + text)


@pytest.mark.parametrize("field", ["", "    field: billed_amount\n"], ids=["every-field", "that-field"])
def test_a_descriptor_suppression_with_a_reason_lets_the_change_through_as_a_notice(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], field: str
) -> None:
    billed_amount_as_string(project)
    add_suppression(project, "  - rule: GOV101\n" + field + "    reason: every reader parses the text since 2026-11\n")
    code, out = in_process(project, monkeypatch, capsys)
    assert code == 0, out
    (notice,) = [line for line in out.splitlines() if "GOV101" in line]
    assert notice.startswith(f"INFO GOV101 {CLAIM}: suppressed by {DESCRIPTOR} "
                             "(every reader parses the text since 2026-11): field path billed_amount")


def test_a_suppression_for_another_field_or_rule_suppresses_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    billed_amount_as_string(project)
    add_suppression(project, "  - {rule: GOV101, field: claim_id, reason: not the changed field}\n"
                             "  - {rule: GOV102, reason: another rule altogether}\n")
    code, out = in_process(project, monkeypatch, capsys)
    assert code == 1
    assert [line.split(" ", 2)[:2] for line in out.splitlines() if "GOV1" in line] == [["ERROR", "GOV101"]]


@pytest.mark.parametrize(("entry", "field", "problem"), [
    ("  - {rule: GOV101}\n", "suppressions.0.reason", "required key is missing"),
    ("  - {rule: GOV101, reason: ok}\n", "suppressions.0.reason", "at least 10 characters"),
    ("  - {rule: GOV002, reason: the registry refuses it anyway}\n", "suppressions.0.rule",
     "'GOV002' cannot be suppressed here; only the semantic rules can: GOV101"),
    ("  - {rule: GOV101, reason: a good reason, why: extra}\n", "suppressions.0.why", "unknown key"),
], ids=["no-reason", "short-reason", "not-semantic", "unknown-key"])
def test_a_bad_suppression_is_an_error_naming_file_and_field(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    entry: str, field: str, problem: str
) -> None:
    add_suppression(project, entry)
    code, out = in_process(project, monkeypatch, capsys)
    assert code == 1
    (error,) = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert error.startswith(f"ERROR GOV007 {DESCRIPTOR}: field {field}: "), error
    assert problem in error
