"""`mesh products` commands: exit codes and output (no broker needed for these)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mesh.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out + captured.err


def test_list_as_json_names_every_product_and_topic(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "products", "list", "--format", "json")
    assert code == 0
    assert {row["id"]: row["topic"] for row in json.loads(out)}["care.member_360"] == "prod.care.member_360.v1"


def test_describe_shows_subjects_and_lineage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "products", "describe", "claims.claims")
    described = json.loads(out)
    assert code == 0
    assert described["consumers"] == ["care.member_360"]
    assert described["subjects"]["com.healthco.claims.ClaimPaid.v1"] == "prod.claims.claims.v1-mesh.claims.ClaimPaid"


def test_describe_an_unknown_product_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "products", "describe", "claims.nothing")
    assert code == 2 and "Known products: care.member_360" in out


def test_validate_exits_0_when_valid_and_1_with_findings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "products", "validate")[0] == 0
    data = yaml.safe_load(Path("domains/clinical/products/visits.yaml").read_text())
    data["colour"] = "blue"
    broken = tmp_path / "clinical" / "products" / "visits.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text(yaml.safe_dump(data))
    code, out = run(capsys, "products", "validate", "--root", str(tmp_path))
    assert code == 1
    assert f"ERROR {broken}: field 'colour': unknown key" in out
