"""`mesh access`: who may do what on the mesh's topics (from the descriptors), and making Kafka agree.

`list` shows every ACL the descriptors ask for today and the descriptor entry that asks for it
(grouped by principal and entry, 80 columns; `--format json`: one object per ACL).
`apply` creates a SCRAM user for every principal the descriptors name (password written once to
`<dir>/<principal>.env`, mode 0600) and adds/removes ACLs declaratively: a second run changes nothing,
an expired grant is removed. It needs a principal that may alter the cluster (the admin). It also
writes the registry's users file (MESH_REGISTRY__USERS_FILE, default `<broker state dir>/registry-users.json`):
the same principals with their password hashes and owned topics, and the local broker's admin.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from mesh.cli.access_view import render_grants
from mesh.cli.connect import kafka_settings, require_broker
from mesh.clients.acl import AccessAdmin
from mesh.core.errors import ConfigurationError
from mesh.core.settings import MeshSettings
from mesh.core.users import load_users, save_users
from mesh.localbroker.credentials import read_admin, registry_users_path
from mesh.products.access import desired_grants, plan_access, principals
from mesh.products.descriptor import ProductDescriptor
from mesh.products.loader import load_all
from mesh.products.principals import ensure_principals, env_password, registry_users

app = typer.Typer(help="Principals and grants from the product descriptors.", no_args_is_help=True)

Root = Annotated[Path, typer.Option("--domains", help="Folder of the domains' descriptors.")]


def _products(root: Path, product: str | None) -> list[tuple[ProductDescriptor, str]]:
    products = load_all(root)
    chosen = [p for p in products if product in (None, p.id)]
    if product is not None and not chosen:
        raise ConfigurationError(f"No product {product!r} under {root}",
                                 hint=f"use one of {', '.join(p.id for p in products)}")
    return [(p.descriptor, str(p.file)) for p in chosen]


@app.command("list")
def list_command(product: Annotated[str | None, typer.Option("--product", help="Only this product id.")] = None,
                 root: Root = Path("domains"),
                 fmt: Annotated[str, typer.Option("--format", help="text (80 columns) or json (one "
                                                  "object per ACL).")] = "text") -> None:
    """Every grant in force today: who, what, and which descriptor entry asks for it (and why)."""
    if fmt not in ("text", "json"):
        raise typer.BadParameter(f"unknown format {fmt!r}; use text or json", param_hint="--format")
    grants = desired_grants(_products(root, product), today=dt.date.today())
    if fmt == "json":
        typer.echo(json.dumps([{"principal": g.acl.principal, "operation": g.acl.operation.upper(),
                                "resource": g.acl.resource, "name": g.acl.name, "pattern": g.acl.pattern,
                                "source": g.source, "why": g.why} for g in grants], indent=2))
        return
    for line in render_grants(grants):
        typer.echo(line)


@app.command("apply")
def apply_command(
    root: Root = Path("domains"),
    users_dir: Annotated[Path | None, typer.Option("--users-dir", help="Where new principals' .env files go "
                                                   "(default: the local broker's state dir/principals).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan, change nothing.")] = False,
) -> None:
    """Create missing SCRAM users and make the cluster's ACLs match the descriptors."""
    settings = kafka_settings()
    require_broker(settings)
    pairs = _products(root, None)
    descriptors = [d for d, _ in pairs]
    access = AccessAdmin(settings)
    plan = plan_access(descriptors, desired_grants(pairs, today=dt.date.today()), access.acls())
    for grant in plan.add:
        typer.echo(f"+ {grant.acl}  <- {grant.source}")
    for acl in plan.remove:
        typer.echo(f"- {acl}")
    if dry_run:
        return
    folder = users_dir or settings.local_broker.resolved_state_dir / "principals"
    for principal in ensure_principals(access, principals(descriptors), folder, kafka=settings.kafka):
        if principal.created:
            typer.echo(f"created principal {principal.name}: {principal.env_file}")
    access.delete(plan.remove)
    access.create(g.acl for g in plan.add)
    typer.echo(f"registry users: {_write_registry_users(settings, folder, descriptors)}")
    typer.echo("access is up to date" if plan.is_noop else f"{len(plan.add)} added, {len(plan.remove)} removed")


def _write_registry_users(settings: MeshSettings, folder: Path, descriptors: list[ProductDescriptor]) -> Path:
    """Bring the registry's users file in line with the principals' .env files and the descriptors."""
    path = settings.registry.users_file or registry_users_path(settings.local_broker)
    existing = load_users(path) if path.exists() else {}
    passwords = {name: pw for name in principals(descriptors)
                 if (env := folder / f"{name}.env").exists() and (pw := env_password(env)) is not None}
    admin = read_admin(settings.local_broker)
    admins = {admin.username: admin.password} if admin is not None else {}
    save_users(path, registry_users(existing, descriptors, passwords=passwords, admins=admins))
    return path
