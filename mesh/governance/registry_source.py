"""The schema registry as a source of deployed history and a target of `mesh schemas register`.

Uses confluent-kafka's `SchemaRegistryClient` (any Confluent-compatible registry, ours included).
Errors are mapped by `mesh.clients.call_registry`: a transport failure names the URL, an error answer
keeps its HTTP status and Confluent error code (both exit 2 in the CLI).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Self, TypeVar

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.schema_registry_client import ConfigCompatibilityLevel, ServerConfig

from mesh.clients import ErrorCode, call_registry, close_client, registry_client
from mesh.compat import Level
from mesh.core.errors import IncompatibleSchemaError, RegistryError
from mesh.governance import rules
from mesh.governance.findings import Finding
from mesh.governance.schema_check import DeployedSubject, DeployedVersion, LocalSchema

log = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = ["Registration", "RegistryGateway", "register_all", "registry_client"]


@dataclass(frozen=True, slots=True)
class Registration:
    """What `register` did for one file: the subject, its version and schema id, and whether it was new."""

    file: str
    subject: str
    version: int
    schema_id: int
    created: bool


class RegistryGateway:
    """Reads deployed subjects from, and registers schemas in, one registry.

    Owns its client: use it as a context manager (or call `close`) so the HTTP connections close.
    """

    def __init__(self, client: SchemaRegistryClient, *, url: str) -> None:
        self._client = client
        self._url = url

    def close(self) -> None:
        """Close the client's HTTP connections."""
        close_client(self._client)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, what: str, action: Callable[..., T], *args: object) -> T:
        return call_registry(what, lambda: action(*args), url=self._url)

    def configured_level(self, subject: str) -> Level | None:
        """The subject's compatibility level, else the registry's global one (None if neither answers)."""
        for scope in (subject, None):
            try:
                config: ServerConfig | None = self._call(
                    f"read the level of {subject} (GET /config/{scope or ''})", self._client.get_config, scope
                )
            except RegistryError as exc:
                if exc.http_status == 404:
                    continue
                raise
            value = (config.compatibility_level or config.compatibility) if config is not None else None
            if value is not None:
                return Level(value.value)
        return None

    def history(self, subject: str) -> DeployedSubject:
        """The live versions of `subject`, oldest first, with its configured level."""
        try:
            numbers = self._call(f"list the versions of {subject}", self._client.get_versions, subject)
        except RegistryError as exc:
            if exc.error_code == ErrorCode.SUBJECT_NOT_FOUND or exc.http_status == 404:
                return DeployedSubject(subject)
            raise
        versions = []
        for number in sorted(numbers):
            registered = self._call(f"read version {number} of {subject}", self._client.get_version, subject, number)
            versions.append(DeployedVersion(number, registered.schema.schema_str or ""))
        level = self.configured_level(subject) if versions else None
        return DeployedSubject(subject, tuple(versions), level)

    def fetch(self, schemas: Sequence[LocalSchema]) -> Mapping[str, DeployedSubject]:
        """The deployed history of every subject the local schemas resolve to."""
        return {schema.subject: self.history(schema.subject) for schema in schemas}

    def register(self, schema: LocalSchema, text: str) -> Registration:
        """Register `text` under the schema's subject unless it already is; a new subject gets the level first."""
        body = Schema(text, "AVRO")
        try:
            found = self._call(f"look up {schema.file} under {schema.subject}", self._client.lookup_schema,
                               schema.subject, body)
            return Registration(schema.file, schema.subject, found.version or 0, found.schema_id or 0, False)
        except RegistryError as exc:
            if exc.http_status != 404:
                raise
        try:
            existing = self._call(f"list the versions of {schema.subject}", self._client.get_versions, schema.subject)
        except RegistryError as exc:
            if exc.http_status != 404:
                raise
            existing = []
        try:
            if not existing:
                level = ServerConfig(compatibility=ConfigCompatibilityLevel(schema.level.value))
                self._call(f"set the level of {schema.subject}", self._client.set_config, schema.subject, level)
            registered = self._call(f"register {schema.file} under {schema.subject}",
                                    self._client.register_schema_full_response, schema.subject, body)
        except RegistryError as exc:
            if exc.http_status == 409:
                raise IncompatibleSchemaError(
                    schema.subject,
                    [f"{exc.server_message} (HTTP 409, error {exc.error_code})"],
                    hint="run `mesh schemas check` for the field paths and fixes",
                ) from exc
            raise
        if registered.version is None:
            # Confluent-style registries answer a registration with the id only: look the version up.
            registered = self._call(f"look up {schema.file} under {schema.subject}", self._client.lookup_schema,
                                    schema.subject, body)
        log.info("registered %s as %s version %s", schema.file, schema.subject, registered.version)
        return Registration(schema.file, schema.subject, registered.version or 0, registered.schema_id or 0, True)


def register_all(
    gateway: RegistryGateway, schemas: Sequence[LocalSchema], texts: Mapping[str, str]
) -> tuple[list[Registration], list[Finding]]:
    """Register each schema (`texts`: file -> text as written); a refusal is a GOV002 finding, not an abort."""
    done: list[Registration] = []
    refused: list[Finding] = []
    for schema in schemas:
        try:
            done.append(gateway.register(schema, texts[schema.file]))
        except IncompatibleSchemaError as exc:
            refused.append(
                rules.INCOMPATIBLE_CHANGE.finding(
                    schema.file, "; ".join(exc.problems), hint=exc.hint, subject=schema.subject
                )
            )
    return done, refused
