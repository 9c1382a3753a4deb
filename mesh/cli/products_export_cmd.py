"""`mesh products export`: data products as AsyncAPI 3.0 or Open Data Contract Standard v3 (YAML)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml  # type: ignore[import-untyped]

from mesh.core.settings import MeshSettings
from mesh.localbroker.credentials import local_settings
from mesh.products import catalog
from mesh.products.export_asyncapi import asyncapi
from mesh.products.export_odcs import odcs
from mesh.products.loader import load_all


class ExportFormat(str, Enum):
    """The documents `mesh products export` writes."""

    ASYNCAPI = "asyncapi"
    ODCS = "odcs"


def _yaml(document: Any) -> str:
    return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100))


def export(
    export_format: Annotated[ExportFormat, typer.Option("--format", help="asyncapi (one document for all "
                                                        "products) or odcs (one document per product).")],
    product: Annotated[str | None, typer.Option("--product", help="Export only this product id.")] = None,
    root: Annotated[Path, typer.Option("--root", help="Folder holding <domain>/products/*.yaml.")] = Path("domains"),
    output: Annotated[Path | None, typer.Option("--output", help="Write here instead of stdout.")] = None,
) -> None:
    """Export products as an AsyncAPI 3.0 document or ODCS v3 data contracts (a YAML stream, one per product).

    The Kafka server is named when MESH_KAFKA__BOOTSTRAP_SERVERS is set.
    """
    products = load_all(root, project_root=root.parent)
    chosen = [catalog.find(product, products)] if product else products
    servers = local_settings(MeshSettings.load()).kafka.bootstrap_servers
    if export_format is ExportFormat.ASYNCAPI:
        text = _yaml(asyncapi(chosen, bootstrap_servers=servers))
    else:
        text = "---\n".join(_yaml(odcs(p, bootstrap_servers=servers)) for p in chosen)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {export_format.value} for {len(chosen)} product(s) to {output}")
