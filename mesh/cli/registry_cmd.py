"""`mesh registry ...`: run the schema registry service."""

from __future__ import annotations

import typer

from mesh.cli.connect import kafka_settings, require_broker
from mesh.core.settings import MeshSettings
from mesh.localbroker.credentials import registry_users_path

app = typer.Typer(help="The schema registry service (Confluent REST API for Avro, stored in Kafka).", no_args_is_help=True)


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default: MESH_REGISTRY__HOST)."),
    port: int | None = typer.Option(None, help="Port (default: MESH_REGISTRY__PORT)."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Serve the registry; it answers once the `_schemas` topic is replayed."""
    from mesh.registry.server import serve as run

    settings = kafka_settings(quiet=False)  # a server keeps the client's log: it is where outages show
    require_broker(settings)
    run(with_users_file(settings), host=host, port=port, log_level=log_level)


def with_users_file(settings: MeshSettings, *, server: str = "registry",
                    open_means: str = "anyone may write") -> MeshSettings:
    """Secure by default: MESH_REGISTRY__USERS_FILE, else the local one `mesh access apply` wrote, if any.

    Also used by `mesh products serve` (`server="view"`): the views authenticate against the same file.
    """
    if settings.registry.users_file is not None:
        return settings
    local = registry_users_path(settings.local_broker)
    if not local.exists():
        typer.echo(f"warning: the {server} runs OPEN ({open_means}): no {local}; run `mesh access apply` "
                   "or set MESH_REGISTRY__USERS_FILE", err=True)
        return settings
    typer.echo(f"{server} users: {local}", err=True)
    return settings.model_copy(update={"registry": settings.registry.model_copy(update={"users_file": local})})
