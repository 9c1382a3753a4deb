"""`mesh products serve PRODUCT`: a compacted data product served by key over HTTP (queryable view).

Reads the product's topic from the beginning into a local RocksDB (`mesh.processing.views.ViewServer`)
and answers `GET /<path>/<key>` with the latest record of that key as JSON and `GET /stats` with the
number of keys and `ready` once every partition was read to its end. Runs until Ctrl-C.

Secure by default like the registry, against the same users file (MESH_REGISTRY__USERS_FILE, else the
one `mesh access apply` wrote next to the local broker): records need the product's owner principal,
a consumer with a grant that has not expired, or an admin; /stats any authenticated principal.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from mesh.cli.connect import kafka_settings, registry_url, require_broker
from mesh.cli.registry_cmd import with_users_file
from mesh.core.errors import ConfigurationError
from mesh.core.users import load_users
from mesh.processing.view_access import ViewGuard, ViewPolicy
from mesh.processing.views import ViewServer
from mesh.products import catalog
from mesh.products.access import view_readers
from mesh.products.loader import load_all


def serve(
    product_id: Annotated[str, typer.Argument(help="The product id, e.g. care.member_360.")],
    root: Annotated[Path, typer.Option("--root", help="Folder holding <domain>/products/*.yaml.")] = Path("domains"),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 6070,
    path: Annotated[str, typer.Option(help="URL path before the key (default: /<product name>).")] = "",
    datadir: Annotated[Path | None, typer.Option(help="Where the local copy lives (rebuilt on start).")] = None,
) -> None:
    """Serve a compacted product by key from a local copy of its topic (queryable view)."""
    product = catalog.find(product_id, load_all(root))
    descriptor = product.descriptor
    if "compact" not in descriptor.retention.cleanup_policy:
        raise ConfigurationError(
            f"Product {product_id} is not compacted (cleanup_policy {descriptor.retention.cleanup_policy}): "
            "a topic of events has no latest record per key to serve",
            hint="serve a compacted product (cleanup_policy: compact), e.g. care.member_360")
    settings = kafka_settings()
    settings = settings.model_copy(update={"registry": settings.registry.model_copy(
        update={"url": registry_url(settings.registry.url)})})
    require_broker(settings)
    prefix = path or f"/{descriptor.product}"
    where = datadir or Path.home() / ".cache" / "mesh" / "views" / descriptor.topic
    users = with_users_file(settings, server="view", open_means="anyone may read it").registry.users_file
    guard = None if users is None else ViewGuard(ViewPolicy(descriptor.id, view_readers(descriptor)), load_users(users))
    server = ViewServer(descriptor.topic, settings=settings, host=host, port=port, path=prefix, datadir=where,
                        guard=guard)
    server.start()
    typer.echo(f"serving {descriptor.topic} at http://{host}:{port}{prefix}/<key> (Ctrl-C stops)")
    try:
        while True:
            time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
