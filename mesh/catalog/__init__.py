"""The web catalog: find a data product, read its schema and meaning, see whether it is fresh now.

`search` (pure: the search index and filters), `fields` (pure: schema field tables, version diffs,
masking of pii/phi), `status` (the live numbers: one module for the catalog and `mesh products
status`), `broker` (what the catalog reads from Kafka, counted), `schemas` (what it reads from the
registry), `lineage` (the Graphviz graph), `app` (the FastAPI pages), `server` (uvicorn).
"""

from mesh.catalog.app import create_app
from mesh.catalog.status import ProductStatus, assess

__all__ = ["ProductStatus", "assess", "create_app"]
