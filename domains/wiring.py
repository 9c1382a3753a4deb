"""Wires the domain services to real data product producers: the path from a feed into Kafka.

Each source product gets one SDK producer built from its descriptor (`mesh.products.clients`), with
the CloudEvents `source` of the service that owns it; each service publishes its system's records.
`topics` maps product names to private topic copies (tests); by default the descriptors' topics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import typer
from confluent_kafka.schema_registry import SchemaRegistryClient

from domains.claims.service import ClaimsService
from domains.clinical.service import ClinicalService
from domains.feed import feed_tag, generate
from domains.feed.records import SourceRecord
from domains.membership.service import MembershipService
from domains.playback import play
from domains.service import DomainService
from mesh.core.errors import MeshError
from mesh.core.settings import MeshSettings
from mesh.products.clients import producer_for
from mesh.products.loader import Product, load_all
from mesh.sdk.producer import Producer

_SERVICES: tuple[type[DomainService], ...] = (MembershipService, ClaimsService, ClinicalService)


def _service_sources() -> dict[str, str]:
    """Product name -> the CloudEvents source of the service that publishes it."""
    return {route.product: cls.source for cls in _SERVICES for route in cls.routes.values()}


def _observed(records: Iterable[SourceRecord], on_record: Callable[[SourceRecord], None]) -> Iterator[SourceRecord]:
    for record in records:
        yield record
        on_record(record)


def source_producers(
    products: Sequence[Product],
    *,
    settings: MeshSettings,
    topics: Mapping[str, str] | None = None,
    registry: SchemaRegistryClient | None = None,
    auto_register: bool = False,
    principals: Mapping[str, MeshSettings] | None = None,
) -> dict[str, Producer]:
    """One producer per product that a domain service publishes, keyed by product name.

    `principals`: settings per principal (each service publishes as its product's owner principal,
    `owner.principal` in the descriptor); a product whose owner has none there uses `settings`.
    """
    sources = _service_sources()
    by_name = {p.descriptor.product: p for p in products}
    missing = set(sources) - set(by_name)
    if missing:
        raise ValueError(f"no descriptor for product(s) {sorted(missing)}; load them with mesh.products.load_all")
    return {
        name: producer_for(by_name[name], source=source, registry=registry,
                           settings=(principals or {}).get(by_name[name].descriptor.owner_principal, settings),
                           auto_register=auto_register, topic=(topics or {}).get(name))
        for name, source in sources.items()
    }


def publish_records(
    records: Iterable[SourceRecord],
    producers: Mapping[str, Producer],
    *,
    on_record: Callable[[SourceRecord], None] | None = None,
) -> Counter[str]:
    """Play `records` through the services onto `producers` (see `source_producers`), flush, count per system.

    A delivery failure raises `DeliveryError` at the flush, naming what was not delivered.
    """
    publishers = {name: producer.publish for name, producer in producers.items()}
    if on_record is not None:
        records = _observed(records, on_record)
    counts = play(records, publishers)
    for producer in producers.values():
        producer.flush()
    return counts


def run_service(system: str, *, members: int, seed: int, settings: MeshSettings, root: Path) -> int:
    """Play one operational system's records of the seeded feed through its service into Kafka."""
    products = load_all(root / "domains", project_root=root)
    feed = generate(members, seed=seed, tag=feed_tag(members, seed))
    records = feed.for_system(system)
    producers = source_producers(products, settings=settings)
    try:  # the other systems' producers are never used, so they never connect
        counts = publish_records(records, producers)
    finally:
        for producer in producers.values():
            producer.close()
    return counts[system]


def service_main(system: str) -> Callable[..., None]:
    """The `python -m domains.<domain>` program of one domain service."""

    def main(
        members: int = typer.Option(2_000, min=1, help="Members of the seeded feed."),
        seed: int = typer.Option(42, help="Seed of the feed (the same seed replays the same records)."),
    ) -> None:
        try:
            root = Path(__file__).resolve().parents[1]
            count = run_service(system, members=members, seed=seed, settings=MeshSettings.load(), root=root)
        except MeshError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"{system} service published {count} events")

    main.__doc__ = f"Publish the {system} system's records of the seeded feed as events on its data products."
    return main
