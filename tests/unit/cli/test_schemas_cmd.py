"""`mesh schemas check|register` end to end through `mesh.cli.main.main`: exit codes and outputs."""

from __future__ import annotations

import json
import socket
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from mesh.cli import schemas_cmd
from mesh.cli.main import main
from mesh.governance.registry_source import registry_client
from tests.unit.governance.avro_samples import CLAIM_V1, CLAIM_WITH_DEFAULT, CLAIM_WITHOUT_DEFAULT

SUBJECT = "mesh.claims.ClaimSubmitted"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repo with schemas/claims/claim_submitted.avsc at v1 on `main`; the cwd is its root."""
    (tmp_path / "schemas" / "claims").mkdir(parents=True)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "test@example.invalid")
    git(tmp_path, "config", "user.name", "test")
    (tmp_path / "schemas" / "claims" / "claim_submitted.avsc").write_text(CLAIM_V1)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "v1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(repo: Path, text: str, name: str = "claim_submitted.avsc") -> str:
    path = repo / "schemas" / "claims" / name
    path.write_text(text)
    return f"schemas/claims/{name}"


@pytest.mark.parametrize(
    ("case", "text", "code"),
    [("compatible_change", CLAIM_WITH_DEFAULT, 0), ("incompatible_change", CLAIM_WITHOUT_DEFAULT, 1)],
)
def test_check_against_a_git_ref_exits_with_the_verdict(
    repo: Path, capsys: pytest.CaptureFixture[str], case: str, text: str, code: int
) -> None:
    write(repo, text)
    exit_code, out, _ = run(["schemas", "check", "--against", "main"], capsys)
    assert exit_code == code
    assert out.splitlines()[-1].startswith("OK:" if code == 0 else "FAILED:")


def test_check_text_names_file_rule_version_and_fix(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(repo, CLAIM_WITHOUT_DEFAULT)
    _, out, _ = run(["schemas", "check", "--against", "main"], capsys)
    first = out.splitlines()[0]
    assert first.startswith(f"ERROR GOV002 {file}: field path /fields/2: ")
    assert f"this breaks BACKWARD against {file} at main, taken as version 1 of subject {SUBJECT}. Fix: " in first
    assert first.endswith("or publish the change as a new major version (a new subject)")


def test_invalid_avro_is_a_finding_not_a_crash(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write(repo, '{"type": "record", "name": "Broken", "fields": [{"name": "a", "type": "nope"}]}', "b.avsc")
    exit_code, out, err = run(["schemas", "check", "--against", "main", "--format", "json"], capsys)
    assert exit_code == 1 and err == ""
    findings = json.loads(out)["findings"]
    assert [(f["rule_id"], f["file"]) for f in findings if f["severity"] == "ERROR"] == [("GOV001", broken)]


def test_level_option_overrides_the_declared_level(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, CLAIM_WITHOUT_DEFAULT)
    assert run(["schemas", "check", "--against", "main", "--level", "none"], capsys)[0] == 0


def test_junit_goes_to_the_output_file_and_text_to_stdout(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, CLAIM_WITHOUT_DEFAULT)
    report = repo / "reports" / "schemas.xml"
    exit_code, out, _ = run(
        ["schemas", "check", "--against", "main", "--format", "junit", "--output", str(report)], capsys
    )
    assert exit_code == 1
    assert out.startswith("ERROR GOV002")
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"


@pytest.mark.parametrize(
    ("case", "argv", "message"),
    [
        ("missing_ref", ["--against", "origin/nope"], "'origin/nope' does not exist"),
        ("unknown_level", ["--against", "main", "--level", "SIDEWAYS"], "unknown compatibility level"),
        ("missing_dir", ["--against", "main", "--schemas-dir", "nowhere"], "'nowhere' does not exist"),
        ("both_sources", ["--against", "main", "--registry", "http://127.0.0.1:1"], "exclude each other"),
        ("unknown_format", ["--against", "main", "--format", "yaml"], "yaml"),
    ],
)
def test_usage_errors_exit_2_with_a_message(
    repo: Path, capsys: pytest.CaptureFixture[str], case: str, argv: list[str], message: str
) -> None:
    exit_code, _, err = run(["schemas", "check", *argv], capsys)
    assert exit_code == 2
    assert message in err


@pytest.fixture
def mock_registry(monkeypatch: pytest.MonkeyPatch) -> SchemaRegistryClient:
    """One in-memory registry shared by every client the CLI makes in this test."""
    client = registry_client("mock://cli-tests")
    monkeypatch.setattr(schemas_cmd, "registry_client", lambda *_, **__: client)
    return client


def test_check_against_a_registry(
    repo: Path, capsys: pytest.CaptureFixture[str], mock_registry: SchemaRegistryClient
) -> None:
    mock_registry.register_schema(SUBJECT, Schema(CLAIM_V1, "AVRO"))
    mock_registry.register_schema(SUBJECT, Schema(CLAIM_WITH_DEFAULT, "AVRO"))
    write(repo, CLAIM_WITHOUT_DEFAULT.replace('"currency"', '"region"'))
    exit_code, out, _ = run(["schemas", "check", "--registry", "mock://cli-tests", "--format", "json"], capsys)
    assert exit_code == 1
    (finding,) = json.loads(out)["findings"]
    assert (finding["rule_id"], finding["version"], finding["subject"]) == ("GOV002", "2", SUBJECT)


def test_register_then_register_again_changes_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str], mock_registry: SchemaRegistryClient
) -> None:
    first_code, first, _ = run(["schemas", "register", "--registry", "mock://cli-tests"], capsys)
    again_code, again, _ = run(["schemas", "register", "--registry", "mock://cli-tests"], capsys)
    assert (first_code, again_code) == (0, 0)
    assert first.startswith(f"registered {SUBJECT}\n           version 1,")
    assert again.startswith(f"unchanged  {SUBJECT}\n           version 1,")
    assert mock_registry.get_versions(SUBJECT) == [1]
    assert run(["schemas", "check", "--registry", "mock://cli-tests"], capsys)[0] == 0


def test_register_refuses_invalid_files(
    repo: Path, capsys: pytest.CaptureFixture[str], mock_registry: SchemaRegistryClient
) -> None:
    write(repo, "{", "broken.avsc")
    exit_code, out, _ = run(["schemas", "register", "--registry", "mock://cli-tests"], capsys)
    assert exit_code == 1
    assert out.startswith("ERROR GOV001 schemas/claims/broken.avsc")
    assert mock_registry.get_subjects() == []


def test_an_unreachable_registry_exits_2_naming_the_url(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    exit_code, _, err = run(["schemas", "check", "--registry", url], capsys)
    assert exit_code == 2
    assert f"Cannot reach the schema registry at {url}" in err


def test_register_as_json_lists_each_registration(
    repo: Path, capsys: pytest.CaptureFixture[str], mock_registry: SchemaRegistryClient
) -> None:
    code, out, _ = run(["schemas", "register", "--registry", "mock://cli-tests", "--format", "json"], capsys)
    document = json.loads(out)
    assert code == 0
    assert [(r["subject"], r["version"], r["created"]) for r in document["registered"]] == [(SUBJECT, 1, True)]
    assert document["findings"] == []
