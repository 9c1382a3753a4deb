"""`mesh products`: list, describe, validate and provision data products from their descriptors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mesh.core.settings import MeshSettings
from mesh.localbroker.credentials import local_settings
from mesh.products import catalog
from mesh.products.loader import load_all, scan
from mesh.products.plan import Plan
from mesh.products.provision import Provisioner
from mesh.products.registrar import ConfluentRegistrar

app = typer.Typer(help="Data products: descriptors, catalog and provisioning.", no_args_is_help=True)
_out = Console(highlight=False, soft_wrap=True)

Root = Annotated[Path, typer.Option("--root", help="Folder holding <domain>/products/*.yaml.")]
Format = Annotated[str, typer.Option("--format", help="text or json.")]


def _check_format(fmt: str) -> None:
    if fmt not in ("text", "json"):
        raise typer.BadParameter(f"unknown format {fmt!r}; use text or json", param_hint="--format")


@app.command("list")
def list_products(root: Root = Path("domains"), fmt: Format = "text") -> None:
    """List every data product."""
    _check_format(fmt)
    products = load_all(root)
    table_rows = catalog.rows(products)
    if fmt == "json":
        _out.print(json.dumps(table_rows, indent=2))
        return
    table = Table("id", "kind", "lifecycle", "topic", "key", "partitions", "events", "owner", "freshness")
    for row in table_rows:
        table.add_row(*(str(row[k]) for k in ("id", "kind", "lifecycle", "topic", "key", "partitions", "events",
                                              "owner", "freshness_slo")))
    Console(highlight=False, width=max(_out.width, 200)).print(table)  # a catalog is wide; don't wrap ids


@app.command()
def describe(product_id: str, root: Root = Path("domains")) -> None:
    """Show one product: descriptor, topic, subjects, lineage (JSON)."""
    products = load_all(root)
    _out.print(json.dumps(catalog.describe(catalog.find(product_id, products), products), indent=2))


@app.command()
def validate(root: Root = Path("domains"), fmt: Format = "text") -> int:
    """Check every descriptor; exit 1 if any is invalid."""
    _check_format(fmt)
    products, errors = scan(root)
    if fmt == "json":
        _out.print(json.dumps({"valid": sorted(p.id for p in products), "errors": [
            {"file": e.file, "field": e.field, "problem": e.problem, "hint": e.hint} for e in errors]}, indent=2))
    else:
        for error in errors:
            _out.print(f"ERROR {error}")
        _out.print(f"{len(products)} valid product(s), {len(errors)} problem(s)")
    return 1 if errors else 0


def _render(plan: Plan) -> None:
    for action in plan.actions:
        _out.print(f"  {action.kind:<18} {action.target}: {action.detail}")
        if action.warning:
            _out.print(f"  {'':<18} warning: {action.warning}")
    for refusal in plan.refusals:
        _out.print(f"  REFUSED            {refusal.target} {refusal.problem}. {refusal.hint}")
    if plan.is_noop:
        _out.print("  nothing to do: topics, schemas and ledger match the descriptors")


@app.command()
def apply(
    root: Root = Path("domains"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan, change nothing.")] = False,
    no_registry: Annotated[bool, typer.Option("--no-registry", help="Provision topics only.")] = False,
    ledger_topic: Annotated[str, typer.Option(help="Compacted topic recording applied keys.")] = "_mesh_products",
) -> int:
    """Create or update product topics and register their schemas (idempotent; refuses unsafe changes)."""
    settings = local_settings(MeshSettings.load())
    products = load_all(root)
    registrar = None if no_registry else ConfluentRegistrar.for_url(settings.registry.url)
    try:
        provisioner = Provisioner(settings.kafka.client_config(), registrar=registrar, ledger_topic=ledger_topic)
        plan = provisioner.plan(products)
        _out.print(f"plan for {len(products)} product(s){' (dry run)' if dry_run else ''}:")
        _render(plan)
        if plan.refusals:
            _out.print("refused: nothing was changed")
            return 1
        if not dry_run and not plan.is_noop:
            provisioner.apply(plan)
            _out.print(f"applied {len(plan.actions)} action(s)")
        return 0
    finally:
        if registrar is not None:
            registrar.close()
