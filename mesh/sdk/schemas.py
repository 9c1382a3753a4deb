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

from mesh.clients import call_registry, client_url, close_client, registry_client
from mesh.clients.registry import public_url
from mesh.core.errors import RegistryError, SchemaParseError, UnknownSchemaError
from mesh.core.settings import RegistrySettings

log = logging.getLogger(__name__)

SchemaSource = Mapping[str, Any] | str | Path


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

    Pass `client` (any `SchemaRegistryClient`, e.g. `SchemaRegistryClient.new_client({"url": "mock://t"})`),
    `settings` (URL and credentials) or `url`; without `client` the client is created on first use.
    """

    def __init__(self, *, url: str | None = None, client: SchemaRegistryClient | None = None,
                 settings: RegistrySettings | None = None) -> None:
        if url is None and client is None and settings is None:
            raise ValueError("SchemaCache needs a registry url, settings or a client")
        self._source: RegistrySettings | str | None = settings or url
        self._client = client
        self._owns_client = client is None
        self._ids: dict[tuple[str, str], int] = {}
        self._by_id: dict[int, dict[str, Any]] = {}

    @property
    def url(self) -> str:
        """The registry's base URL, used to build `dataschema` links."""
        if self._client is not None and self._source is None:
            return client_url(self._client)
        source = self._source
        return public_url(source.url if isinstance(source, RegistrySettings) else str(source)).rstrip("/")

    @property
    def client(self) -> SchemaRegistryClient:
        """The registry client, created on first use."""
        if self._client is None:
            assert self._source is not None
            self._client = registry_client(self._source)
        return self._client

    def close(self) -> None:
        """Close the HTTP client if this cache created it (an injected client stays open)."""
        if self._owns_client and self._client is not None:
            close_client(self._client)
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
                schema_id = int(call_registry(f"register a schema under subject {subject!r}",
                                              lambda: self.client.register_schema(subject, avro), url=self.url))
            else:
                found = call_registry(f"look up a schema under subject {subject!r}",
                                      lambda: self.client.lookup_schema(subject, avro), url=self.url)
                schema_id = int(found.schema_id) if found.schema_id is not None else -1
        except RegistryError as exc:
            if exc.http_status == 404:
                raise UnknownSchemaError(
                    f"Schema {schema.get('name', '?')!r} is not registered under subject {subject!r} "
                    f"at {self.url} ({exc.message})",
                    hint="register it (`mesh schemas register`, or let the producer register it with "
                    "auto_register=True / `--register`)",
                ) from exc
            raise
        log.debug("schema id %s for subject %s", schema_id, subject)
        self._ids[(subject, text)] = schema_id
        return schema_id

    def by_id(self, schema_id: int) -> dict[str, Any]:
        """The writer's schema with id `schema_id`, as a JSON object."""
        cached = self._by_id.get(schema_id)
        if cached is not None:
            return cached
        try:
            found = call_registry(f"fetch schema id {schema_id}", lambda: self.client.get_schema(schema_id),
                                  url=self.url)
        except RegistryError as exc:
            if exc.http_status == 404:
                raise UnknownSchemaError(
                    f"The registry at {self.url} has no schema with id {schema_id} ({exc.message})",
                    hint="the payload names a schema id this registry does not know: was it written against "
                    "another registry?",
                ) from exc
            raise
        schema = json.loads(found.schema_str or "null")
        if isinstance(schema, str):
            schema = {"type": schema}
        self._by_id[schema_id] = schema
        return schema  # type: ignore[no-any-return]
