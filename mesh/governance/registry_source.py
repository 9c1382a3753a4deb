"""The schema registry as a source of deployed history and a target of `mesh schemas register`.

Uses confluent-kafka's `SchemaRegistryClient` (any Confluent-compatible registry, ours included).
Transport failures become a GovernanceError naming the URL (exit 2); registry error answers keep
their HTTP status and Confluent error code in the message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Self, TypeVar

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.schema_registry_client import ConfigCompatibilityLevel, ServerConfig

from mesh.compat import Level
from mesh.core.errors import GovernanceError, IncompatibleSchemaError
from mesh.governance import rules
from mesh.governance.findings import Finding
from mesh.governance.schema_check import DeployedSubject, DeployedVersion, LocalSchema

log = logging.getLogger(__name__)

T = TypeVar("T")

SUBJECT_NOT_FOUND = 40401
SUBJECT_LEVEL_NOT_CONFIGURED = 40408
# The HTTP libraries confluent's client may use; their exceptions only share `Exception`.
_TRANSPORT_MODULES = frozenset({"httpx", "httpx2", "httpcore", "httpcore2", "h11"})


def registry_client(url: str, *, retries: int = 1) -> SchemaRegistryClient:
    """A client for the registry at `url` (no request is made here); `mock://...` gives confluent's mock."""
    if url.startswith("mock://"):
        return SchemaRegistryClient.new_client({"url": url})
    return SchemaRegistryClient({"url": url, "max.retries": retries, "retries.wait.ms": 200})


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
        self._client.__exit__(None, None, None)  # confluent-kafka < 2.13 has no close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, what: str, action: Callable[..., T], *args: object) -> T:
        try:
            return action(*args)
        except SchemaRegistryError:
            raise
        except Exception as exc:
            if type(exc).__module__.split(".")[0] not in _TRANSPORT_MODULES:
                raise
            raise GovernanceError(
                f"Cannot reach the schema registry at {self._url} ({what}): {exc}",
                hint="start the registry, or pass the right --registry URL (or set MESH_REGISTRY__URL)",
            ) from exc

    def _failed(self, what: str, exc: SchemaRegistryError) -> GovernanceError:
        return GovernanceError(
            f"The schema registry at {self._url} refused {what}: HTTP {exc.http_status_code}, "
            f"error {exc.error_code}: {exc.error_message}",
            hint="check the registry's logs and the subject's state",
        )

    def configured_level(self, subject: str) -> Level | None:
        """The subject's compatibility level, else the registry's global one (None if neither answers)."""
        for scope in (subject, None):
            try:
                config: ServerConfig | None = self._call(f"GET /config/{scope or ''}", self._client.get_config, scope)
            except SchemaRegistryError as exc:
                if exc.http_status_code == 404:
                    continue
                raise self._failed(f"reading the level of {subject}", exc) from exc
            value = (config.compatibility_level or config.compatibility) if config is not None else None
            if value is not None:
                return Level(value.value)
        return None

    def history(self, subject: str) -> DeployedSubject:
        """The live versions of `subject`, oldest first, with its configured level."""
        try:
            numbers = self._call(f"GET /subjects/{subject}/versions", self._client.get_versions, subject)
        except SchemaRegistryError as exc:
            if exc.error_code == SUBJECT_NOT_FOUND or exc.http_status_code == 404:
                return DeployedSubject(subject)
            raise self._failed(f"listing the versions of {subject}", exc) from exc
        versions = []
        for number in sorted(numbers):
            try:
                registered = self._call(
                    f"GET /subjects/{subject}/versions/{number}", self._client.get_version, subject, number
                )
            except SchemaRegistryError as exc:
                raise self._failed(f"reading version {number} of {subject}", exc) from exc
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
            found = self._call(f"POST /subjects/{schema.subject}", self._client.lookup_schema, schema.subject, body)
            return Registration(schema.file, schema.subject, found.version or 0, found.schema_id or 0, False)
        except SchemaRegistryError as exc:
            if exc.http_status_code != 404:
                raise self._failed(f"looking up {schema.file} under {schema.subject}", exc) from exc
        try:
            existing = self._call(
                f"GET /subjects/{schema.subject}/versions", self._client.get_versions, schema.subject
            )
        except SchemaRegistryError as exc:
            if exc.http_status_code != 404:
                raise self._failed(f"listing the versions of {schema.subject}", exc) from exc
            existing = []
        try:
            if not existing:
                level = ServerConfig(compatibility=ConfigCompatibilityLevel(schema.level.value))
                self._call(f"PUT /config/{schema.subject}", self._client.set_config, schema.subject, level)
            registered = self._call(
                f"POST /subjects/{schema.subject}/versions",
                self._client.register_schema_full_response,
                schema.subject,
                body,
            )
        except SchemaRegistryError as exc:
            if exc.http_status_code == 409:
                raise IncompatibleSchemaError(
                    schema.subject,
                    [f"{exc.error_message} (HTTP 409, error {exc.error_code})"],
                    hint="run `mesh schemas check` for the field paths and fixes",
                ) from exc
            raise self._failed(f"registering {schema.file} under {schema.subject}", exc) from exc
        if registered.version is None:
            # Confluent-style registries answer a registration with the id only: look the version up.
            registered = self._call(
                f"POST /subjects/{schema.subject}", self._client.lookup_schema, schema.subject, body
            )
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
