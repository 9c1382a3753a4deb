"""The `mesh` console script: registers each command group and turns MeshError into exit code 2."""

from __future__ import annotations

import sys
from importlib.metadata import version as _package_version
from typing import Annotated

import click
import typer
from rich.console import Console

from mesh.cli import (
    access_cmd,
    catalog_cmd,
    connect,
    contracts_cmd,
    dlq_cmd,
    events_cmd,
    kafka_cmd,
    products_cmd,
    registry_cmd,
    schemas_cmd,
)
from mesh.core.errors import MeshError

app = typer.Typer(
    name="mesh",
    help="Data mesh backbone: local Kafka, schema registry, data products, producers and consumers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mesh {_package_version('mesh')}")
        raise typer.Exit(0)


@app.callback()
def _options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the Kafka client's own log lines.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Data mesh backbone: local Kafka, schema registry, data products, producers and consumers."""
    connect.set_verbose(verbose)


app.add_typer(access_cmd.app, name="access")
app.add_typer(kafka_cmd.app, name="kafka")
app.add_typer(products_cmd.app, name="products")
app.add_typer(registry_cmd.app, name="registry")
app.command(name="produce")(events_cmd.produce)
app.command(name="consume")(events_cmd.consume)
app.add_typer(schemas_cmd.app, name="schemas")
app.add_typer(dlq_cmd.app, name="dlq")
app.add_typer(catalog_cmd.app, name="catalog")
app.add_typer(contracts_cmd.app, name="contracts")

_err = Console(stderr=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: exit 0 clean, 1 findings (commands decide), 2 usage or configuration error."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="mesh", standalone_mode=False)
    except MeshError as exc:
        _err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        sys.exit(2)
    except click.exceptions.Abort:
        _err.print("aborted")
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(2)
    except typer.TyperException as exc:
        # typer 0.29 vendors its own click: its usage errors (bad option values) derive from this.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            _err.print(f"error: {exc.format_message()}", highlight=False, markup=False)
        sys.exit(2)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
