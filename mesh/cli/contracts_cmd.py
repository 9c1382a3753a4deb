"""`mesh contracts`: consumer contracts (what a consuming team reads of a product): validate, list, apply."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mesh.core.errors import ConfigurationError
from mesh.core.settings import MeshSettings
from mesh.localbroker.credentials import local_settings
from mesh.products.contract_store import DEFAULT_CONTRACTS_TOPIC, ContractStore
from mesh.products.contracts import Contract, scan_contracts
from mesh.products.loader import load_all

app = typer.Typer(help="Consumer contracts: declare, validate and register what consumers read.",
                  no_args_is_help=True)

Root = Annotated[Path, typer.Option("--root", help="Folder holding <domain>/products and <domain>/contracts.")]
Topic = Annotated[str, typer.Option("--topic", help="Compacted topic the platform keeps contracts in.")]


def _load(root: Path) -> tuple[list[Contract], list[str]]:
    products = load_all(root, project_root=root.parent)
    contracts, errors = scan_contracts(root, products, root=root.parent)
    return contracts, [str(error) for error in errors]


@app.command()
def validate(root: Root = Path("domains")) -> None:
    """Check every contract file: product, event types, reader schemas, fields used. Exit 1 on problems."""
    contracts, errors = _load(root)
    for error in errors:
        typer.echo(f"ERROR {error}")
    typer.echo(f"{len(contracts)} valid contract(s), {len(errors)} problem(s)")
    raise typer.Exit(1 if errors else 0)


@app.command("list")
def list_contracts(
    root: Root = Path("domains"),
    registered: Annotated[bool, typer.Option("--registered", help="List those on the contracts topic.")] = False,
    topic: Topic = DEFAULT_CONTRACTS_TOPIC,
) -> None:
    """One line per contract: consumer -> product, event types and fields used (from files or the topic)."""
    if registered:
        contracts = list(ContractStore(local_settings(MeshSettings.load()).kafka.client_config(), topic=topic).read().values())
    else:
        contracts, errors = _load(root)
        if errors:
            raise ConfigurationError(errors[0], hint="run `mesh contracts validate` to see every problem")
    for contract in sorted(contracts, key=lambda c: c.key):
        typer.echo(f"{contract.consumer} -> {contract.product} ({contract.file})")
        for reader in contract.readers:
            typer.echo(f"    {reader.event_type}: {', '.join(reader.fields)}")


@app.command()
def apply(
    root: Root = Path("domains"),
    topic: Topic = DEFAULT_CONTRACTS_TOPIC,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change, change nothing.")] = False,
    prune: Annotated[bool, typer.Option("--prune", help="Withdraw registered contracts with no file.")] = False,
) -> None:
    """Register every contract on the compacted contracts topic (idempotent: unchanged ones are skipped)."""
    contracts, errors = _load(root)
    if errors:
        for error in errors:
            typer.echo(f"ERROR {error}")
        typer.echo("nothing registered: fix the contracts above first")
        raise typer.Exit(1)
    store = ContractStore(local_settings(MeshSettings.load()).kafka.client_config(), topic=topic)
    changed, withdrawn = store.plan(contracts, prune=prune)
    for contract in changed:
        typer.echo(f"  register  {contract.key} <- {contract.file}")
    for key in withdrawn:
        typer.echo(f"  withdraw  {key}")
    if not changed and not withdrawn:
        typer.echo(f"nothing to do: {len(contracts)} contract(s) on {topic} match the files")
        return
    if dry_run:
        typer.echo(f"dry run: {len(changed) + len(withdrawn)} change(s) not applied")
        return
    store.apply(changed, withdrawn)
    typer.echo(f"applied {len(changed) + len(withdrawn)} change(s) to {topic}")
