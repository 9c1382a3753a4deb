"""`mesh registry ...`: run the schema registry service."""

from __future__ import annotations

import typer

from mesh.cli.connect import kafka_settings, require_broker

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
    run(settings, host=host, port=port, log_level=log_level)
