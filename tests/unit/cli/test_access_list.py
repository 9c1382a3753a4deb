"""`mesh access list`: text fits 80 columns and still says who, what and why; JSON keeps every ACL in full."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from mesh.cli.access_cmd import _products, app
from mesh.cli.access_view import render_grants
from mesh.clients.acl import Acl
from mesh.products.access import Grant, desired_grants

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, ["list", "--domains", str(ROOT / "domains"), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_line_fits_80_columns_and_every_grant_is_shown() -> None:
    text = _run().splitlines()
    assert max(len(line) for line in text) <= 80
    grants = desired_grants(_products(ROOT / "domains", None), today=dt.date.today())
    blocks: list[list[str]] = []
    for line in text:  # a block: a header (principal <- entry), maybe `why:`, then one line per target
        if line.startswith(" "):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    for g in grants:
        header = " ".join(f"{g.acl.principal} <- {g.source}".split())
        block = next(b for b in blocks if " ".join(" ".join(b).split()).startswith(header))
        star = "*" if g.acl.pattern == "prefixed" else ""
        assert any(g.acl.operation.upper() in line and line.endswith(f"{g.acl.resource} {g.acl.name}{star}")
                   for line in block), (g, block)
        assert f"why: {g.why}" in " ".join(" ".join(block).split()) if g.why else "why:" not in " ".join(block)


def test_json_keeps_one_full_object_per_acl() -> None:
    rows = json.loads(_run("--product", "claims.claims", "--format", "json"))
    grants = desired_grants(_products(ROOT / "domains", "claims.claims"), today=dt.date.today())
    assert len(rows) == len(grants) > 0
    consumer = next(r for r in rows if r["source"].endswith("consumers[0]") and r["resource"] == "group")
    assert consumer["operation"] == "READ" and consumer["pattern"] == "prefixed"
    assert consumer["why"].startswith(consumer["principal"].removeprefix("User:") + ": ")
    assert all(r["source"].startswith("domains/") or r["source"].startswith(str(ROOT)) for r in rows)


def test_long_names_wrap_with_an_indent_instead_of_overflowing() -> None:
    long_topic = "prod." + ".".join(["a-very-long-domain-name"] * 4) + ".v1"
    grant = Grant(Acl("User:claims", "topic", long_topic, "write"), "domains/x/products/" + "y" * 70 + ".yaml owner",
                  "team: " + "purpose " * 20)
    lines = render_grants([grant])
    assert max(len(line) for line in lines) <= 80 and len(lines) > 3
    assert all(line.startswith(" ") for line in lines[1:])
    assert long_topic in "".join(line.strip() for line in lines)


def test_an_unknown_format_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["list", "--domains", str(ROOT / "domains"), "--format", "yaml"])
    assert result.exit_code == 2 and "use text or json" in result.output
