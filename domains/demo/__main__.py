"""`python -m domains.demo` (what `make demo` runs): the whole mesh, end to end, on this machine.

Starts (or finds) Kafka and the schema registry, applies the data products, starts the member-360
processor, plays the operational systems of a health insurer through the domain services, waits until
the processor has caught up, checks every member's view against the generator's ground truth, and
prints a handful of views and the run's numbers.

Secured end to end on a secured cluster: the demo is the platform operator and runs as the cluster's
admin only for platform operations (SCRAM users, the registry's users file, topics and product schemas,
ACLs from the descriptors, contracts). Each domain service publishes as its product's owner principal
(membership, claims, clinical), the member-360 processor runs as care (Kafka, registry, and its HTTP
views check the users file), and the summary shows one refused action: clinical publishing a claim.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import confluent_kafka
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from domains.care.member360.config import Member360Config
from domains.care.member360.metrics import view_timings
from domains.care.member360.runner import ProcessorExitedError, ProcessorProcess
from domains.demo.report import Summary, pick_members, summary_table, views_table
from domains.demo.stack import Stack
from domains.feed import Feed, feed_tag, generate
from domains.feed.records import SourceRecord
from domains.wiring import publish_records, source_producers
from mesh.clients.acl import AccessAdmin
from mesh.core.errors import MeshError
from mesh.core.settings import MeshSettings
from mesh.processing.web import as_json
from mesh.products.access import desired_grants, plan_access, principals
from mesh.products.contract_store import ContractStore
from mesh.products.contracts import scan_contracts
from mesh.products.loader import Product, load_all
from mesh.products.principals import Principal, ensure_principals, principal_settings, registry_users
from mesh.products.provision import Provisioner
from mesh.products.registrar import ConfluentRegistrar

ROOT = Path(__file__).resolve().parents[2]
out = Console(highlight=False)
_COLUMNS = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def _step(text: str, began: float) -> None:
    out.print(f"[green]✓[/] {text} [dim]({time.monotonic() - began:.1f}s)[/]")


def _apply_products(stack: Stack, products: list[Product]) -> None:
    began = time.monotonic()
    registrar = ConfluentRegistrar.for_settings(stack.registry)
    try:
        provisioner = Provisioner(stack.kafka.client_config(), registrar=registrar)
        plan = provisioner.plan(products)
        if plan.refusals:
            raise MeshError("Products cannot be applied: " + "; ".join(r.problem for r in plan.refusals),
                            hint="run `mesh products apply --dry-run` to see the plan")
        if not plan.is_noop:
            provisioner.apply(plan)
    finally:
        registrar.close()
    _step(f"{len(products)} data products applied ({len(plan.actions)} changes: topics, DLQs, schemas)", began)


def _create_principals(stack: Stack, products: list[Product]) -> list[Principal]:
    """The descriptors' principals as SCRAM users, and the users file the registry and the views read."""
    began = time.monotonic()
    if stack.kafka.sasl_mechanism is None:
        _step("principals: the cluster is not secured, every client runs as it is", began)
        return []
    descriptors = [p.descriptor for p in products]
    found = ensure_principals(AccessAdmin(stack.kafka.client_config()), principals(descriptors),
                              stack.state_dir / "principals")
    stack.write_users(registry_users({}, descriptors, passwords={p.name: p.password for p in found}, admins={}))
    _step(f"principals {', '.join(p.name for p in found)}: SCRAM users and registry users "
          f"({sum(p.created for p in found)} new)", began)
    return found


def _apply_access(stack: Stack, products: list[Product], clinical: MeshSettings | None) -> str:
    """Make Kafka's ACLs match the descriptors, then try one refused action as clinical's own principal:
    publishing a claim (its descriptor makes it the owner of visits, not of claims). Returns the outcome."""
    began = time.monotonic()
    if clinical is None:
        _step("access: the cluster is not secured, no ACLs applied", began)
        return "not tried (the cluster is not secured)"
    access = AccessAdmin(stack.kafka.client_config())
    pairs = [(p.descriptor, str(p.file)) for p in products]
    plan = plan_access([d for d, _ in pairs], desired_grants(pairs, today=dt.date.today()), access.acls())
    access.delete(plan.remove)
    access.create(g.acl for g in plan.add)
    claims_topic = next(p.descriptor.topic for p in products if p.id == "claims.claims")
    failures: list[str] = []
    producer = confluent_kafka.Producer({**clinical.kafka.client_config(), "message.timeout.ms": 15000})
    producer.produce(claims_topic, b"forged claim", key=b"x",
                     on_delivery=lambda err, _msg: failures.append(err.name()) if err else None)
    producer.flush(20)
    outcome = f"refused ({failures[0]})" if failures else "ACCEPTED (access is not enforced!)"
    _step(f"access applied ({len(plan.add)} ACLs added, {len(plan.remove)} removed); "
          f"clinical publishing to {claims_topic}: {outcome}", began)
    return f"clinical -> {claims_topic}: {outcome}"


def _apply_contracts(stack: Stack, products: list[Product]) -> None:
    """Register the consumer contracts (member-360's readers of its four inputs) like the products."""
    began = time.monotonic()
    contracts, errors = scan_contracts(ROOT / "domains", products, root=ROOT)
    if errors:
        raise errors[0]
    store = ContractStore(stack.kafka.client_config())
    changed, withdrawn = store.plan(contracts)
    store.apply(changed, withdrawn)
    _step(f"{len(contracts)} consumer contracts registered ({len(changed)} changed)", began)


def _publish(settings: MeshSettings, products: list[Product], feed: Feed, as_principal: dict[str, MeshSettings]) -> float:
    """Run the three domain services over the feed, each as its product's owner principal; returns their events/s."""
    producers = source_producers(products, settings=settings, principals=as_principal)
    began = time.monotonic()
    with Progress(*_COLUMNS, console=out, transient=True) as progress:
        tasks = {system: progress.add_task(f"{system} service", total=n) for system, n in sorted(_count(feed).items())}

        def advance(record: SourceRecord) -> None:
            progress.advance(tasks[record.system])

        try:
            counts = publish_records(feed.records, producers, on_record=advance)
        finally:
            for producer in producers.values():
                producer.close()
    rate = sum(counts.values()) / (time.monotonic() - began)
    per_domain = ", ".join(f"{system} {n:,}" for system, n in sorted(counts.items()))
    _step(f"domain services published {sum(counts.values()):,} events ({per_domain}) at {rate:,.0f}/s", began)
    return rate


def _wait_caught_up(proc: ProcessorProcess, events: int) -> None:
    """Wait until every input is committed and every view is served, with a progress bar."""
    began = time.monotonic()
    with Progress(*_COLUMNS, console=out, transient=True) as progress:
        task = progress.add_task("member-360 processor", total=events)
        try:
            proc.wait_caught_up(
                timeout_s=3600, poll_s=0.5,
                on_progress=lambda behind: progress.update(task, completed=min(events, max(0, events - behind))))
        except (ProcessorExitedError, TimeoutError) as exc:
            raise MeshError(f"The member-360 processor did not catch up: {exc}",
                            hint=f"read its log: {proc.log_file}") from exc
    _step("member-360 processor caught up", began)


def _check_views(proc: ProcessorProcess, feed: Feed) -> tuple[int, list[dict[str, object]]]:
    """Every member's view over HTTP against the ground truth; returns (equal, the handful to show)."""
    equal = sum(1 for member, view in feed.expected.items() if proc.member(member) == as_json(view))
    return equal, [proc.member(member) for member in pick_members(feed.expected)]


def main(
    members: int = typer.Option(2_000, min=1, max=100_000, help="How many members the feed plays."),
    seed: int = typer.Option(42, help="Seed of the deterministic feed."),
    keep_running: bool = typer.Option(False, "--keep-running", help="Leave Kafka, the registry and the processor running."),
    web_port: int = typer.Option(6066, min=1, max=65535, help="Port of the member-360 processor's HTTP views."),
    catalog_port: int = typer.Option(8085, min=1, max=65535, help="Port of the web catalog (with --keep-running)."),
) -> None:
    """Run the mesh end to end and show what happened."""
    base = MeshSettings.load()
    stack = Stack(base, state_dir=base.local_broker.cache_dir / "demo")
    proc: ProcessorProcess | None = None
    try:
        began = time.monotonic()
        started = stack.start_kafka()
        _step(f"Kafka {'started' if started else 'found'} at {stack.bootstrap}", began)
        products = load_all(ROOT / "domains", project_root=ROOT)
        created = _create_principals(stack, products)
        began = time.monotonic()
        started = stack.start_registry()
        _step(f"schema registry {'started' if started else 'found'} at {stack.registry_url}", began)
        operator = base.model_copy(update={"kafka": stack.kafka, "registry": stack.registry})
        as_principal = {p.name: principal_settings(operator, p.name, p.password) for p in created}
        _apply_products(stack, products)
        refused = _apply_access(stack, products, as_principal.get(_owner(products, "clinical.visits")))
        _apply_contracts(stack, products)

        began = time.monotonic()
        care = _owner(products, "care.member_360")
        settings = as_principal.get(care, operator)  # the processor's principal: Kafka, registry, its views
        settings = settings.model_copy(update={"registry": settings.registry.model_copy(
            update={"users_file": stack.users_file})})
        # state per cluster: RocksDB state of another cluster (a re-created local broker) is not recoverable
        datadir = stack.state_dir / "member360" / stack.cluster_id()
        config = Member360Config.from_products(datadir=datadir, web_port=web_port)
        proc = ProcessorProcess(config, settings=settings, log_file=stack.state_dir / "logs" / "member360.log")
        proc.start()
        proc.wait_serving(timeout_s=180)
        _step(f"member-360 processor serving at {proc.base_url} as {settings.kafka.sasl_username or 'anonymous'}",
              began)

        began = time.monotonic()
        feed = generate(members, seed=seed, tag=feed_tag(members, seed))
        _step(f"operational feed for {members:,} members generated: {len(feed.records):,} records", began)
        started_ms = int(time.time() * 1000)
        publish_rate = _publish(operator, products, feed, as_principal)
        _wait_caught_up(proc, len(feed.records))

        began = time.monotonic()
        timings = view_timings(settings, config.output_topic, idle_s=3.0)
        fresh = type(timings)(tuple(r for r in timings.records if r[1] >= started_ms))  # this run's inputs
        equal, shown = _check_views(proc, feed)
        stats = proc.stats()
        _step("views read back and checked against the ground truth", began)
        out.print(views_table(shown))
        out.print(summary_table(Summary(
            events_by_domain=_count(feed), publish_rate=publish_rate,
            processor_rate=fresh.throughput(len(feed.records)), freshness_p50_s=fresh.freshness(0.5),
            freshness_p99_s=fresh.freshness(0.99), views_checked=len(feed.expected), views_equal=equal,
            dead_lettered=int(stats.get("dead_lettered", 0)), principals=_roles(products, as_principal),
            refused=refused)))
        if equal != len(feed.expected):
            raise MeshError(f"{len(feed.expected) - equal} member-360 views differ from the ground truth",
                            hint=f"see the processor log {proc.log_file}")
        if keep_running:
            began = time.monotonic()
            catalog = stack.start_catalog(catalog_port, ROOT)
            _step(f"web catalog serving at {catalog}", began)
    except MeshError as exc:
        out.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    finally:
        _finish(stack, proc, keep_running)


def _owner(products: list[Product], product_id: str) -> str:
    return next(p.descriptor.owner_principal for p in products if p.id == product_id)


def _roles(products: list[Product], as_principal: dict[str, MeshSettings]) -> str:
    """Who ran as whom: `membership, claims, clinical publish; care processes` (or that nobody had one)."""
    if not as_principal:
        return "none (the cluster is not secured)"
    sources = [p.descriptor.owner_principal for p in products if p.descriptor.processor is None]
    processors = [p.descriptor.owner_principal for p in products if p.descriptor.processor is not None]
    return f"{', '.join(dict.fromkeys(sources))} publish; {', '.join(dict.fromkeys(processors))} processes"


def _count(feed: Feed) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in feed.records:
        counts[record.system] = counts.get(record.system, 0) + 1
    return counts


def _finish(stack: Stack, proc: ProcessorProcess | None, keep_running: bool) -> None:
    if keep_running:
        pids = [str(s.pid) for s in stack.services if s.pid]
        if proc is not None and proc.process is not None:
            pids.append(str(proc.process.pid))
            who = proc.settings.registry.username
            login = f"-u {who}:PASSWORD " if who else ""
            out.print(f"Member views: curl {login}{proc.base_url}/members/M00000001")
            if who:
                out.print(f"  (PASSWORD: MESH_REGISTRY__PASSWORD in {stack.state_dir / 'principals' / who}.env)")
        out.print(f"Still running: Kafka at {stack.bootstrap}, registry at {stack.registry_url}.")
        out.print(f"Stop them with: kill {' '.join(pids) or '(nothing we started)'}; .venv/bin/mesh kafka stop")
        for service in stack.services:
            if service.name == "catalog":
                out.print(f"Catalog: {service.url}")
        return
    if proc is not None:
        proc.stop()
    stack.stop()


if __name__ == "__main__":
    typer.run(main)
