"""`mesh catalog serve`: the web catalog of the data products under --root."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mesh.catalog.server import serve as serve_catalog
from mesh.core.settings import MeshSettings
from mesh.localbroker.credentials import local_settings
from mesh.products.loader import load_all

app = typer.Typer(help="The web catalog of data products.", no_args_is_help=True)


@app.command()
def serve(
    root: Annotated[Path, typer.Option("--root", help="Folder holding <domain>/products/*.yaml.")] = Path("domains"),
    project_root: Annotated[Path, typer.Option(help="Where the descriptors' schema paths start.")] = Path("."),
    host: Annotated[str | None, typer.Option(help="Interface (default MESH_CATALOG__HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default MESH_CATALOG__PORT).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the catalog: search, product pages with live state and samples, lineage, /metrics."""
    settings = local_settings(MeshSettings.load())
    serve_catalog(settings, load_all(root, project_root=project_root), host=host, port=port, log_level=log_level)
