"""`mesh schemas register|check` against our real registry service (the `schema_registry_url` fixture)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from mesh.cli.main import main

pytestmark = pytest.mark.integration


@pytest.fixture
def registry_url(schema_registry_url: str) -> str:
    """Our registry's URL (MESH_REGISTRY__URL, else the registry started in-process on the broker)."""
    return schema_registry_url


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def options(tmp_path: Path, registry_url: str) -> list[str]:
    """Schemas from the test's folder, no descriptors (so the fallback convention names subjects)."""
    return ["--schemas-dir", str(tmp_path / "schemas"), "--domains-dir", str(tmp_path / "domains"),
            "--registry", registry_url]


def claim(namespace: str, *extra_fields: dict[str, object], level: str | None = None) -> str:
    document: dict[str, object] = {
        "type": "record",
        "name": "ClaimSubmitted",
        "namespace": namespace,
        "fields": [{"name": "claim_id", "type": "string"}, *extra_fields],
    }
    if level:
        document["x-compatibility"] = level
    return json.dumps(document)


@pytest.fixture
def namespace() -> str:
    """A record namespace, hence subject, no other test uses."""
    return f"t{uuid.uuid4().hex[:12]}.claims"


def test_register_then_check_against_the_real_registry(
    registry_url: str, namespace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "schemas" / "claims" / "claim.avsc"
    schema.parent.mkdir(parents=True)
    subject = f"{namespace}.ClaimSubmitted"
    args = options(tmp_path, registry_url)

    schema.write_text(claim(namespace))
    assert run(["schemas", "check", *args], capsys)[0] == 0  # new subject: a notice only
    code, out, _ = run(["schemas", "register", *args], capsys)
    assert code == 0 and out.startswith(f"registered {subject}\n           version 1,")
    code, out, _ = run(["schemas", "register", *args], capsys)
    assert code == 0 and out.startswith(f"unchanged  {subject}\n           version 1,")

    schema.write_text(claim(namespace, {"name": "currency", "type": "string"}))
    code, out, _ = run(["schemas", "check", *args, "--format", "json"], capsys)
    assert code == 1
    (finding,) = json.loads(out)["findings"]
    assert (finding["rule_id"], finding["version"], finding["subject"]) == ("GOV002", "1", subject)
    assert f"version 1 of subject {subject}" in finding["message"]

    code, out, _ = run(["schemas", "register", *args], capsys)  # the registry refuses it too
    assert code == 1 and out.startswith("ERROR GOV002")

    schema.write_text(claim(namespace, {"name": "currency", "type": "string", "default": "USD"}))
    assert run(["schemas", "check", *args], capsys)[0] == 0
    code, out, _ = run(["schemas", "register", *args], capsys)
    assert code == 0 and out.startswith(f"registered {subject}\n           version 2,")


def test_the_configured_level_of_a_subject_is_used(
    registry_url: str, namespace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "schemas" / "claim.avsc"
    schema.parent.mkdir(parents=True)
    args = options(tmp_path, registry_url)
    schema.write_text(claim(namespace, level="NONE"))  # register sets the new subject's level to NONE
    assert run(["schemas", "register", *args], capsys)[0] == 0

    # The file now declares BACKWARD, but the registry's configured NONE is what is deployed.
    schema.write_text(claim(namespace, {"name": "currency", "type": "string"}, level="BACKWARD"))
    assert run(["schemas", "check", *args], capsys)[0] == 0
    assert run(["schemas", "check", *args, "--level", "BACKWARD"], capsys)[0] == 1
