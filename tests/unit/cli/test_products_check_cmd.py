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
