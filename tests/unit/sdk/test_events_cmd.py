"""`mesh produce` refuses bad input before touching the network, naming the stdin line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mesh.cli.main import app
from mesh.core.errors import DataValidationError
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1


@pytest.mark.parametrize(
    ("stdin", "says"),
    [("{not json\n", "stdin line 1 is not JSON"), ("\n[1, 2]\n", "stdin line 2 is a JSON list, not an object")],
    ids=["not-json", "not-an-object"],
)
def test_produce_names_the_bad_line(tmp_path: Path, monkeypatch: Any, stdin: str, says: str) -> None:
    monkeypatch.setenv("MESH_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("MESH_REGISTRY__URL", "http://127.0.0.1:1")
    schema = tmp_path / "claim.avsc"
    schema.write_text(json.dumps(CLAIM_V1))
    result = CliRunner().invoke(app, ["produce", "t.claims.claims.v1", "--schema", str(schema), "--type", CLAIM_TYPE,
                                      "--source", "/cli"], input=stdin)
    assert isinstance(result.exception, DataValidationError)
    assert says in str(result.exception)
