"""`mesh kafka start|stop|status|fetch`: the local single-node broker."""

from __future__ import annotations

import json
import time

import typer
from rich.console import Console

from mesh.core.settings import MeshSettings
from mesh.localbroker import artifacts
from mesh.localbroker.runner import LocalBroker

app = typer.Typer(help="Run a real single-node Kafka broker (KRaft) on this machine's JVM.", no_args_is_help=True)
_out = Console(highlight=False, soft_wrap=True)


def _broker(port: int | None) -> LocalBroker:
    settings = MeshSettings.load().local_broker
    if port is not None:
        settings = settings.model_copy(update={"port": port})
    return LocalBroker(settings)


@app.command()
def fetch(force: bool = typer.Option(False, "--force", help="Download again even if cached.")) -> None:
    """Download Kafka's jars from Maven Central into the cache (once)."""
    settings = MeshSettings.load().local_broker
    started = time.monotonic()
    install = artifacts.fetch(settings, force=force)
    jars = len(list(install.lib.glob("*.jar")))
    _out.print(f"Kafka {install.version}: {jars} jars in {install.home} ({time.monotonic() - started:.1f}s)")


@app.command()
def start(port: int | None = typer.Option(None, help="Client port (default MESH_LOCAL_BROKER__PORT or 9092).")) -> None:
    """Start the broker (or find the one already running) and print its bootstrap address."""
    broker = _broker(port)
    began = time.monotonic()
    started = broker.ensure_running()
    status = broker.status()
    verb = f"started in {time.monotonic() - began:.1f}s" if started else "already running"
    pid = f" (pid {status.pid})" if status.pid else " (not managed by mesh)"
    _out.print(f"Kafka {verb}{pid}; logs: {status.log_file}")
    typer.echo(status.bootstrap)


@app.command()
def stop(port: int | None = typer.Option(None, help="Client port of the broker to stop.")) -> None:
    """Shut the broker down cleanly; the process is gone when this returns."""
    broker = _broker(port)
    if broker.stop():
        _out.print(f"Kafka at {broker.settings.bootstrap} stopped")
    else:
        _out.print(f"No broker started by mesh is running at {broker.settings.bootstrap}")


@app.command()
def status(
    port: int | None = typer.Option(None, help="Client port of the broker."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Say whether the broker runs, where, and where its logs are; exit 1 when it is not running."""
    if fmt not in ("text", "json"):
        raise typer.BadParameter(f"unknown format {fmt!r}; use text or json", param_hint="--format")
    st = _broker(port).status()
    if fmt == "json":
        typer.echo(json.dumps({"running": st.running, "bootstrap": st.bootstrap, "pid": st.pid, "managed": st.managed,
                               "state_dir": str(st.state_dir), "log_file": str(st.log_file),
                               "tls_bootstrap": st.tls_bootstrap}, indent=2))
    elif st.running:
        how = f"pid {st.pid}" if st.managed else "not started by mesh"
        tls = f"; SASL_SSL at {st.tls_bootstrap}" if st.tls_bootstrap else ""
        _out.print(f"running at {st.bootstrap} ({how}){tls}; data: {st.state_dir}; logs: {st.log_file}")
    else:
        _out.print(f"not running at {st.bootstrap}; start it with `mesh kafka start`")
    if not st.running:
        raise typer.Exit(1)
