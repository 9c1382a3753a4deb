"""Schemas as the SDK sees them: loading an Avro schema, its id in the registry, a writer's schema by id.

Talks to any Confluent-compatible registry through confluent-kafka's `SchemaRegistryClient` (the one
client the mesh uses; unit tests pass its in-memory `mock://` variant). The client is created on first
use, never in a constructor. Ids are looked up once per (subject, schema) and schemas once per id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from mesh.core.errors import MeshError, RegistryError, SchemaParseError, UnknownSchemaError

log = logging.getLogger(__name__)

SchemaSource = Mapping[str, Any] | str | Path
_REGISTRY_HINT = "check that the schema registry runs and MESH_REGISTRY__URL points at it"


def load_schema(source: SchemaSource) -> dict[str, Any]:
    """An Avro schema as a JSON object, from a mapping, JSON text or an .avsc file path."""
    if isinstance(source, Mapping):
        return dict(source)
    where = str(source)
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise SchemaParseError(f"Cannot read schema file: {exc.strerror}", source=where,
                                   hint="pass the path of an .avsc file") from exc
    else:
        text, where = source, "<schema text>"
    try:
        schema = json.loads(text)
    except ValueError as exc:
        raise SchemaParseError(f"Schema is not valid JSON: {exc}", source=where,
                               hint="an Avro schema is a JSON document") from exc
    if not isinstance(schema, dict):
        raise SchemaParseError(f"Schema must be a JSON object (a named record), got {type(schema).__name__}",
                               source=where, hint='write {"type": "record", "name": ..., "fields": [...]}')
    return schema


def canonical_text(schema: Mapping[str, Any]) -> str:
    """The schema text sent to the registry: compact JSON (the registry normalizes it further)."""
    return json.dumps(schema, separators=(",", ":"), sort_keys=False)


class SchemaCache:
    """Schema ids and writer schemas from a registry, each fetched once.

    Pass `client` (any `SchemaRegistryClient`, e.g. `SchemaRegistryClient.new_client({"url": "mock://t"})`)
    or `url`; with `url` the client is created on first use.
    """

    def __init__(self, *, url: str | None = None, client: SchemaRegistryClient | None = None) -> None:
        if url is None and client is None:
            raise ValueError("SchemaCache needs a registry url or a client")
        self._url = url
        self._client = client
        self._owns_client = client is None
        self._ids: dict[tuple[str, str], int] = {}
        self._by_id: dict[int, dict[str, Any]] = {}

    @property
    def url(self) -> str:
        """The registry's base URL, used to build `dataschema` links."""
        if self._url is not None:
            return self._url.rstrip("/")
        # confluent-kafka keeps the client's configuration in `_conf`; no public accessor exists.
        conf = getattr(self._client, "_conf", None)
        url = conf.get("url", "") if isinstance(conf, dict) else ""
        return str(url.split(",")[0] if isinstance(url, str) else url[0] if url else "").rstrip("/")

    @property
    def client(self) -> SchemaRegistryClient:
        """The registry client, created on first use."""
        if self._client is None:
            assert self._url is not None
            self._client = SchemaRegistryClient({"url": self._url})
        return self._client

    def close(self) -> None:
        """Close the HTTP client if this cache created it (an injected client stays open)."""
        if self._owns_client and self._client is not None:
            self._client.__exit__(None, None, None)  # confluent-kafka < 2.13 has no close()
            self._client = None

    def schema_url(self, schema_id: int) -> str:
        """`<registry>/schemas/ids/<id>`: where the CloudEvent's `dataschema` points."""
        return f"{self.url}/schemas/ids/{schema_id}"

    def id_for(self, subject: str, schema: Mapping[str, Any], *, register: bool = False) -> int:
        """The id of `schema` under `subject`; registers it first when `register` is true."""
        text = canonical_text(schema)
        cached = self._ids.get((subject, text))
        if cached is not None:
            return cached
        avro = Schema(text, "AVRO")
        try:
            if register:
                schema_id = int(self.client.register_schema(subject, avro))
            else:
                found = self.client.lookup_schema(subject, avro)
                schema_id = int(found.schema_id) if found.schema_id is not None else -1
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404:
                raise UnknownSchemaError(
                    f"Schema {schema.get('name', '?')!r} is not registered under subject {subject!r} "
                    f"at {self.url} ({exc.error_message})",
                    hint="register it (`mesh schemas register`, or let the producer register it with "
                    "auto_register=True / `--register`)",
                ) from exc
            raise _registry_error(f"register/look up subject {subject!r}", exc) from exc
        except MeshError:
            raise
        except Exception as exc:
            raise _registry_error(f"register/look up subject {subject!r}", exc) from exc
        log.debug("schema id %s for subject %s", schema_id, subject)
        self._ids[(subject, text)] = schema_id
        return schema_id

    def by_id(self, schema_id: int) -> dict[str, Any]:
        """The writer's schema with id `schema_id`, as a JSON object."""
        cached = self._by_id.get(schema_id)
        if cached is not None:
            return cached
        try:
            found = self.client.get_schema(schema_id)
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404:
                raise UnknownSchemaError(
                    f"The registry at {self.url} has no schema with id {schema_id} ({exc.error_message})",
                    hint="the payload names a schema id this registry does not know: was it written against "
                    "another registry?",
                ) from exc
            raise _registry_error(f"fetch schema id {schema_id}", exc) from exc
        except Exception as exc:
            raise _registry_error(f"fetch schema id {schema_id}", exc) from exc
        schema = json.loads(found.schema_str or "null")
        if isinstance(schema, str):
            schema = {"type": schema}
        self._by_id[schema_id] = schema
        return schema  # type: ignore[no-any-return]


def _registry_error(action: str, exc: Exception) -> RegistryError:
    if isinstance(exc, SchemaRegistryError):
        error = RegistryError(
            f"The schema registry refused to {action}: {exc.error_message} "
            f"(HTTP {exc.http_status_code}, code {exc.error_code})",
            hint=_REGISTRY_HINT,
        )
        error.http_status, error.error_code = exc.http_status_code, exc.error_code
        return error
    return RegistryError(f"Could not reach the schema registry to {action}: {type(exc).__name__}: {exc}",
                         hint=_REGISTRY_HINT)
