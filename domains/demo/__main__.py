"""`python -m domains.demo` (what `make demo` runs): the whole mesh, end to end, on this machine.

Starts (or finds) Kafka and the schema registry, applies the data products, plays the operational
systems of a health insurer through the domain services, and reads the products back.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from domains.demo.stack import Stack
from domains.feed import generate
from domains.feed.records import SourceRecord
from domains.wiring import publish_records, source_producers
from mesh.core.errors import MeshError
from mesh.core.settings import KafkaSettings, MeshSettings, RegistrySettings
from mesh.products.clients import consumer_for
from mesh.products.loader import Product, load_all
from mesh.products.provision import Provisioner
from mesh.products.registrar import ConfluentRegistrar

ROOT = Path(__file__).resolve().parents[2]
out = Console(highlight=False)


def _step(text: str, began: float) -> None:
    out.print(f"[green]✓[/] {text} [dim]({time.monotonic() - began:.1f}s)[/]")


def _apply_products(stack: Stack, products: list[Product]) -> None:
    began = time.monotonic()
    registrar = ConfluentRegistrar.for_url(stack.registry_url)
    try:
        provisioner = Provisioner({"bootstrap.servers": stack.bootstrap}, registrar=registrar)
        plan = provisioner.plan(products)
        if plan.refusals:
            raise MeshError("Products cannot be applied: " + "; ".join(str(r) for r in plan.refusals),
                            hint="run `mesh products apply --dry-run` to see the plan")
        if not plan.is_noop:
            provisioner.apply(plan)
    finally:
        registrar.close()
    _step(f"{len(products)} data products applied ({len(plan.actions)} changes: topics, DLQs, schemas)", began)


def _publish(settings: MeshSettings, products: list[Product], members: int, seed: int) -> Counter[str]:
    began = time.monotonic()
    feed = generate(members, seed=seed)
    _step(f"operational feed for {members:,} members generated: {len(feed.records):,} records", began)
    producers = source_producers(products, settings=settings)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    began = time.monotonic()
    with Progress(*columns, console=out, transient=True) as progress:
        totals = Counter(r.system for r in feed.records)
        tasks = {system: progress.add_task(f"{system} service", total=n) for system, n in sorted(totals.items())}

        def advance(record: SourceRecord) -> None:
            progress.advance(tasks[record.system])

        try:
            counts = publish_records(feed.records, producers, on_record=advance)
        finally:
            for producer in producers.values():
                producer.close()
    elapsed = time.monotonic() - began
    per_domain = ", ".join(f"{system} {n:,}" for system, n in sorted(counts.items()))
    _step(f"domain services published {sum(counts.values()):,} events ({per_domain}) "
          f"at {sum(counts.values()) / elapsed:,.0f} events/s", began)
    return counts


def _read_back(settings: MeshSettings, products: list[Product]) -> None:
    began = time.monotonic()
    sources = [p for p in products if p.descriptor.kind == "source"]
    types: Counter[str] = Counter()
    samples: dict[str, tuple[str, str, str]] = {}
    consumer = consumer_for(sources, group_id=f"demo-readback-{time.time_ns()}", settings=settings)
    with consumer:
        for event in consumer.events(idle_timeout=5):
            types[event.type] += 1
            samples.setdefault(event.type, ((event.key or b"").decode(), event.time or "", event.topic or ""))
    table = Table("product topic", "event type", "events", "example key", title="Data products, read back (every run so far)")
    for event_type, n in sorted(types.items(), key=lambda item: (samples[item[0]][2], item[0])):
        key, _, topic = samples[event_type]
        table.add_row(topic, event_type.removeprefix("com.healthco."), f"{n:,}", key)
    out.print(table)
    _step(f"{sum(types.values()):,} CloudEvents read back and decoded with their writers' schemas", began)


def main(
    members: int = typer.Option(2_000, min=1, max=100_000, help="How many members the feed plays."),
    seed: int = typer.Option(42, help="Seed of the deterministic feed."),
    keep_running: bool = typer.Option(False, "--keep-running", help="Leave Kafka and the registry running."),
) -> None:
    """Run the mesh end to end and show what happened."""
    base = MeshSettings.load()
    stack = Stack(base, state_dir=base.local_broker.cache_dir / "demo")
    try:
        began = time.monotonic()
        started = stack.start_kafka()
        _step(f"Kafka {'started' if started else 'found'} at {stack.bootstrap}", began)
        began = time.monotonic()
        started = stack.start_registry()
        _step(f"schema registry {'started' if started else 'found'} at {stack.registry_url}", began)
        settings = base.model_copy(update={"kafka": KafkaSettings(bootstrap_servers=stack.bootstrap),
                                           "registry": RegistrySettings(url=stack.registry_url)})
        products = load_all(ROOT / "domains", project_root=ROOT)
        _apply_products(stack, products)
        _publish(settings, products, members, seed)
        _read_back(settings, products)
    except MeshError as exc:
        out.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    finally:
        if keep_running:
            pids = [str(s.pid) for s in stack.services if s.pid]
            out.print(f"Still running: Kafka at {stack.bootstrap}, registry at {stack.registry_url}.")
            out.print(f"Stop them with: kill {' '.join(pids) or '(nothing we started)'}; .venv/bin/mesh kafka stop")
        else:
            stack.stop()


if __name__ == "__main__":
    typer.run(main)
