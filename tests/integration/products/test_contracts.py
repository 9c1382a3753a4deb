"""`mesh contracts apply` registers contracts on a real broker, and `mesh schemas check` reads them from there."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mesh.cli.main import main
from mesh.core.settings import KafkaSettings, MeshSettings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kafka_settings: KafkaSettings) -> Path:
    """A copy of the repository's descriptors, contracts and schemas; the cwd is its root."""
    for folder in ("domains", "schemas"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.chdir(tmp_path)
    for name, value in MeshSettings(kafka=kafka_settings).client_env().items():
        if name.startswith("MESH_KAFKA__"):
            monkeypatch.setenv(name, value)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out + err


def test_apply_is_idempotent_and_prune_withdraws(
    project: Path, capsys: pytest.CaptureFixture[str], unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("contracts")
    code, out = run(capsys, "contracts", "apply", "--topic", topic)
    assert code == 0, out
    assert out.count("  register ") == 4 and "applied 4 change(s)" in out
    code, out = run(capsys, "contracts", "apply", "--topic", topic)
    assert (code, "nothing to do: 4 contract(s)" in out) == (0, True), out
    Path("domains/care/contracts/visits.yaml").unlink()
    code, out = run(capsys, "contracts", "apply", "--topic", topic, "--prune")
    assert "withdraw  care.member_360->clinical.visits" in out, out
    code, out = run(capsys, "contracts", "list", "--registered", "--topic", topic)
    assert code == 0
    assert "care.member_360 -> claims.claims" in out and "clinical.visits" not in out


def test_schemas_check_against_a_registry_uses_the_registered_readers(
    project: Path, capsys: pytest.CaptureFixture[str], unique_name: Callable[[str], str], schema_registry_url: str
) -> None:
    topic = unique_name("contracts")
    assert run(capsys, "contracts", "apply", "--topic", topic)[0] == 0
    shutil.rmtree("domains/care/contracts")  # only the registered contracts can catch the break now
    adjudicated = Path("schemas/claims/claim_adjudicated.avsc")
    document = json.loads(adjudicated.read_text())
    document["fields"] = [f for f in document["fields"] if f["name"] != "allowed_amount"]
    adjudicated.write_text(json.dumps(document))
    claims = Path("domains/claims/products/claims.yaml")
    claims.write_text(claims.read_text().replace("  allowed_amount: phi\n", ""))
    code, out = run(capsys, "schemas", "check", "--registry", schema_registry_url, "--contracts-topic", topic,
                    "--level", "NONE")
    assert code == 1, out
    assert ("ERROR GOV301 schemas/claims/claim_adjudicated.avsc: breaks care.member_360's reader: field "
            "`allowed_amount` removed, read without a default") in out
    assert f"registered on {topic}" in out
