"""`mesh products`: list, describe, validate and provision data products from their descriptors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Annotated, Any

import typer

from mesh.catalog.broker import BrokerView
from mesh.catalog.status import assess
from mesh.cli import products_check_cmd, products_export_cmd, products_serve_cmd
from mesh.cli.connect import kafka_settings, registry_url, require_broker
from mesh.core.errors import ConfigurationError
from mesh.products import catalog
from mesh.products.loader import descriptor_files, load_all, scan
from mesh.products.plan import Plan
from mesh.products.provision import Provisioner
from mesh.products.registrar import ConfluentRegistrar

app = typer.Typer(help="Data products: descriptors, catalog and provisioning.", no_args_is_help=True)
app.command("check")(products_check_cmd.check)
app.command("export")(products_export_cmd.export)
app.command("serve")(products_serve_cmd.serve)

Root = Annotated[Path, typer.Option("--root", help="Folder holding <domain>/products/*.yaml.")]
Format = Annotated[str, typer.Option("--format", help="text or json.")]


def _check_format(fmt: str) -> None:
    if fmt not in ("text", "json"):
        raise typer.BadParameter(f"unknown format {fmt!r}; use text or json", param_hint="--format")


def _require_descriptors(root: Path) -> None:
    """A folder without descriptors is a usage error (exit 2), not "nothing to do"."""
    if not root.is_dir():
        raise ConfigurationError(f"--root {root} is not a folder",
                                 hint="pass the folder holding <domain>/products/*.yaml (default: domains)")
    if not descriptor_files(root):
        raise ConfigurationError(f"No data product descriptors under {root}",
                                 hint="descriptors live in <root>/<domain>/products/*.yaml; check --root")


def _list_text(table_rows: list[dict[str, Any]]) -> list[str]:
    """Two lines per product, at most 80 columns (long topic/owner lines wrap, indented)."""
    lines = [f"{'ID':<28}{'KIND':<11}{'LIFECYCLE':<11}{'PARTS':>5}{'EVENTS':>8}  FRESHNESS"]
    for row in table_rows:
        lines.append(f"{row['id']:<27} {row['kind']:<10} {row['lifecycle']:<10} {row['partitions']:>5}"
                     f"{row['events']:>8}  {row['freshness_slo']}")
        detail = f"topic {row['topic']}, key {row['key']}, owner {row['owner']}"
        lines += textwrap.wrap(detail, width=80, initial_indent="  ", subsequent_indent="    ")
    return lines


@app.command("list")
def list_products(root: Root = Path("domains"), fmt: Format = "text") -> None:
    """List every data product."""
    _check_format(fmt)
    _require_descriptors(root)
    table_rows = catalog.rows(load_all(root))
    if fmt == "json":
        typer.echo(json.dumps(table_rows, indent=2))
        return
    for line in _list_text(table_rows):
        typer.echo(line)


@app.command()
def describe(product_id: str, root: Root = Path("domains")) -> None:
    """Show one product: descriptor, topic, subjects, lineage (JSON)."""
    _require_descriptors(root)
    products = load_all(root)
    typer.echo(json.dumps(catalog.describe(catalog.find(product_id, products), products), indent=2))


@app.command()
def status(root: Root = Path("domains"), fmt: Format = "text") -> int:
    """Live state of every product: last event, freshness vs SLO, rate, dead letters (the catalog's numbers)."""
    _check_format(fmt)
    _require_descriptors(root)
    products = load_all(root)
    settings = kafka_settings()
    require_broker(settings)
    broker = BrokerView(settings)
    try:
        found = [assess(p, broker.observe(p.descriptor.topic, p.descriptor.dlq_topic,
                                          window_s=settings.catalog.rate_window_s, groups=False)[0])
                 for p in products]
    finally:
        broker.close()
    if fmt == "json":
        typer.echo(json.dumps([{"product": s.product_id, "state": s.state, "last_event": s.last_event,
                                "age_ms": s.age_ms, "freshness_slo": s.freshness_slo,
                                "events_per_minute": s.events_per_minute, "dead_letters": s.dead_letters}
                               for s in found], indent=2))
    else:
        # 80 columns: the time of the last event is in --format json (age says how old it is)
        typer.echo(f"{'PRODUCT':<28}{'AGE':>9} {'SLO':>5}  {'FRESHNESS':<10}{'EV/MIN':>8}{'DLQ':>6}")
        for s in found:
            typer.echo(f"{s.product_id:<27} {s.age:>9} {s.freshness_slo:>5}  {s.state:<10}"
                       f"{s.events_per_minute:>8.1f}{s.dead_letters:>6}")
    return 1 if any(s.state == "breached" for s in found) else 0


@app.command()
def validate(root: Root = Path("domains"), fmt: Format = "text") -> int:
    """Check every descriptor; exit 1 if any is invalid."""
    _check_format(fmt)
    _require_descriptors(root)
    products, errors = scan(root)
    if fmt == "json":
        typer.echo(json.dumps({"valid": sorted(p.id for p in products), "errors": [
            {"file": e.file, "field": e.field, "problem": e.problem, "hint": e.hint} for e in errors]}, indent=2))
    else:
        for error in errors:
            typer.echo(f"ERROR {error}")
        typer.echo(f"{len(products)} valid product(s), {len(errors)} problem(s)")
    return 1 if errors else 0


def _render(plan: Plan) -> None:
    for action in plan.actions:
        typer.echo(f"  {action.kind} {action.target}")
        for line in textwrap.wrap(action.detail, width=80, initial_indent="      ", subsequent_indent="        "):
            typer.echo(line)
        if action.warning:
            typer.echo(textwrap.fill(f"warning: {action.warning}", width=80, initial_indent="      ",
                                     subsequent_indent="        "))
    for refusal in plan.refusals:
        typer.echo(f"  REFUSED {refusal.target}")
        typer.echo(textwrap.fill(f"{refusal.problem}. {refusal.hint}", width=80, initial_indent="      ",
                                 subsequent_indent="        "))
    if plan.is_noop:
        typer.echo("  nothing to do: topics, schemas and ledger match the descriptors")


def _plan_json(plan: Plan, *, dry_run: bool, applied: bool) -> str:
    return json.dumps({
        "dry_run": dry_run, "applied": applied,
        "actions": [{"kind": a.kind, "product": a.product_id, "target": a.target, "detail": a.detail,
                     "warning": a.warning or None} for a in plan.actions],
        "refusals": [{"product": r.product_id, "target": r.target, "problem": r.problem, "hint": r.hint}
                     for r in plan.refusals],
    }, indent=2)


@app.command()
def apply(
    root: Root = Path("domains"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan, change nothing.")] = False,
    no_registry: Annotated[bool, typer.Option("--no-registry", help="Provision topics only.")] = False,
    ledger_topic: Annotated[str, typer.Option(help="Compacted topic recording applied keys.")] = "_mesh_products",
    fmt: Format = "text",
) -> int:
    """Create or update product topics and register their schemas (idempotent; refuses unsafe changes)."""
    _check_format(fmt)
    _require_descriptors(root)
    products = load_all(root)
    settings = kafka_settings()
    require_broker(settings)
    registry_url(settings.registry.url)  # a clear error for a malformed URL before anything is done
    registrar = None if no_registry else ConfluentRegistrar.for_settings(settings.registry)
    try:
        provisioner = Provisioner(settings.kafka.client_config(), registrar=registrar, ledger_topic=ledger_topic)
        plan = provisioner.plan(products)
        apply_it = not dry_run and not plan.is_noop and not plan.refusals
        if fmt == "text":
            typer.echo(f"plan for {len(products)} product(s){' (dry run)' if dry_run else ''}:")
            _render(plan)
        if apply_it:
            provisioner.apply(plan)
        if fmt == "json":
            typer.echo(_plan_json(plan, dry_run=dry_run, applied=apply_it))
        elif plan.refusals:
            typer.echo("refused: nothing was changed")
        elif apply_it:
            typer.echo(f"applied {len(plan.actions)} action(s)")
        return 1 if plan.refusals else 0
    finally:
        if registrar is not None:
            registrar.close()
