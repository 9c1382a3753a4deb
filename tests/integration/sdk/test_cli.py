"""`mesh produce` then `mesh consume` on the real broker and registry."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from mesh.cli.main import app
from mesh.core.settings import MeshSettings
from mesh.sdk.envelope import json_default
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, claim


def test_produce_json_lines_then_consume_them_as_structured_cloudevents(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], tmp_path: Path, monkeypatch: Any
) -> None:
    topic = make_topic("cli")
    schema = tmp_path / "claim.avsc"
    schema.write_text(json.dumps(CLAIM_V1))
    records = [claim(n) for n in range(3)]
    lines = "\n".join(json.dumps(record, default=json_default) for record in records) + "\n\n"
    for name, value in sdk_settings.client_env().items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    produced = runner.invoke(app, ["produce", topic, "--schema", str(schema), "--type", CLAIM_TYPE,
                                   "--source", "/claims/cli", "--key-field", "member_id", "--register"],
                             input=lines)
    assert produced.exit_code == 0, produced.output
    assert produced.stdout.strip() == f"delivered 3 event(s) to {topic}"

    consumed = runner.invoke(app, ["consume", topic, "--group", f"{topic}.cli", "--from-beginning", "--max", "3", "--idle-timeout", "30"])
    assert consumed.exit_code == 0, consumed.output
    events = [json.loads(line) for line in consumed.stdout.splitlines()]
    assert [(e["type"], e["source"], e["partitionkey"]) for e in events] == [
        (CLAIM_TYPE, "/claims/cli", r["member_id"]) for r in records]
    assert [e["data"] for e in events] == [json.loads(json.dumps(r, default=json_default)) for r in records]


def test_produce_refuses_a_record_that_does_not_match_naming_the_line_and_field(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], tmp_path: Path, monkeypatch: Any
) -> None:
    topic = make_topic("clibad")
    schema = tmp_path / "claim.avsc"
    schema.write_text(json.dumps(CLAIM_V1))
    bad = {**json.loads(json.dumps(claim(1), default=json_default)), "priority": "high"}
    for name, value in sdk_settings.client_env().items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["produce", topic, "--schema", str(schema), "--type", CLAIM_TYPE,
                                      "--source", "/claims/cli", "--register"], input=json.dumps(bad) + "\n")
    assert result.exit_code != 0
    assert "stdin line 1" in str(result.exception)
    assert "'priority' expects int" in str(result.exception)
