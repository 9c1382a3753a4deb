"""Schemas from requests and from the state: parsed with their references, and their identity.

A schema's identity is the fingerprint of its canonical text (from the compat engine), its
references, metadata and rule set: the same identity always gets the same id. Parsed forms of
registered ids are cached, since an id never changes its schema.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from mesh.compat import ParsedSchema, parse_schema
from mesh.core.errors import SchemaParseError
from mesh.registry.errors import InvalidSchemaError
from mesh.registry.models import SchemaBody
from mesh.registry.records import Reference
from mesh.registry.state import RegistryState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """A schema from a request, parsed, with the fingerprint that decides its identity (and id)."""

    parsed: ParsedSchema
    text: str
    fingerprint: str
    references: tuple[Reference, ...]
    metadata: Any
    rule_set: Any


class SchemaResolver:
    """Parses request schemas against the registered ones their references name."""

    def __init__(self, state: RegistryState) -> None:
        self._state = state
        self._cache: dict[int, ParsedSchema] = {}

    def parsed(self, schema_id: int) -> ParsedSchema:
        """The parsed schema of a registered id (cached; ids never change their schema)."""
        cached = self._cache.get(schema_id)
        if cached is None:
            entry = self._state.schemas[schema_id]
            # a registered schema's references may be soft-deleted since: they still resolve
            refs = [self.parsed(self._ref_id(r, include_deleted=True)) for r in entry.references]
            cached = parse_schema(entry.schema, references=refs, source=f"schema id {schema_id}")
            self._cache[schema_id] = cached
        return cached

    def _ref_id(self, ref: Reference, *, include_deleted: bool = False) -> int:
        target = self._state.subjects.get(ref.subject, {}).get(ref.version)
        if target is None or (target.deleted and not include_deleted):
            raise InvalidSchemaError(
                f"Reference '{ref.name}' points at subject '{ref.subject}' version {ref.version}, which does not exist",
                hint="register the referenced schema first or fix the reference",
            )
        return target.schema_id

    def candidate(self, body: SchemaBody, *, normalize: bool = False) -> Candidate:
        """Parse a request's schema with its references; 42201 if it is not valid Avro."""
        if body.schema_type not in (None, "AVRO"):
            raise InvalidSchemaError(
                f"Unsupported schema type {body.schema_type!r}", hint="this registry stores AVRO schemas only"
            )
        references = tuple(Reference(r.name, r.subject, r.version) for r in body.references)
        refs = [self.parsed(self._ref_id(r)) for r in references]
        try:
            parsed = parse_schema(body.schema_, references=refs)
        except SchemaParseError as exc:
            raise InvalidSchemaError(f"Invalid schema: {exc}", hint="fix the Avro schema") from exc
        except (RecursionError, ValueError, TypeError, KeyError, AttributeError) as exc:
            # a parser tripping over exotic input is still the input's fault: 42201, never a 500
            log.info("schema parser failed on a request schema: %r", exc)
            raise InvalidSchemaError(
                f"Invalid schema: {type(exc).__name__}: {exc}", hint="fix the Avro schema"
            ) from exc
        identity = {
            "canonical": parsed.canonical,
            "references": [r.to_json() for r in references],
            "metadata": body.metadata,
            "ruleSet": body.rule_set,
        }
        fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
        text = parsed.canonical if normalize else json.dumps(parsed.raw, separators=(",", ":"))
        return Candidate(parsed, text, fingerprint, references, body.metadata, body.rule_set)
