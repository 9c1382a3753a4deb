"""Parsing a schema: strict validation, the fastavro-parsed form, the canonical text, the named types.

`parse_schema` is the only way in: it validates before anything else (see `validation`), then lets
fastavro parse, so every `ParsedSchema` is usable by `fastavro.schemaless_writer/reader`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import fastavro
from fastavro.schema import SchemaParseException, UnknownType

from mesh.compat.index import SchemaIndex, build_index
from mesh.compat.validation import PRIMITIVES, InvalidSchema, validate, without_invalid_logical_types
from mesh.core.errors import SchemaParseError


@dataclass(frozen=True)
class ParsedSchema:
    """A validated Avro schema in its three forms, plus the named types it defines."""

    raw: Any
    """The schema JSON as given (dict / list / str), after json.loads."""
    canonical: str
    """Normalized JSON text (sorted keys, no whitespace): equal for the same schema written differently.
    Docs, defaults, aliases and custom properties are kept, so they still distinguish schemas."""
    parsed: Any
    """fastavro.parse_schema(...) result, usable by fastavro.schemaless_writer/reader."""
    named_types: Mapping[str, Any]
    """fullname -> fastavro definition, for every named type this schema defines (not its references)."""
    index: SchemaIndex | None = field(default=None, compare=False, repr=False)
    """Lookups for the compatibility walk (includes the references' named types)."""

    def __hash__(self) -> int:
        # Equal schemas have equal canonical text; the dict fields themselves are unhashable.
        return hash(self.canonical)


def canonical_text(raw: Any) -> str:
    """The identity text of a schema's JSON: sorted keys, compact separators, unicode kept."""
    return json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _load(schema: str | Mapping[str, Any] | Sequence[Any], source: str | None) -> Any:
    if not isinstance(schema, str):
        try:  # a deep copy that also proves the value is plain JSON (tuples become lists)
            return json.loads(json.dumps(schema if isinstance(schema, Mapping) else list(schema)))
        except (TypeError, ValueError) as exc:
            raise SchemaParseError(f"not JSON data: {exc}", hint="pass the schema as JSON text, a dict or a list",
                                   source=source) from None
    bare = schema.strip()
    # A bare type name ("int", "null", "mesh.claims.Claim") is accepted for convenience; no JSON
    # literal that looks like a name (null, true, false) is a schema anyway.
    if bare and all(part.isidentifier() for part in bare.split(".")):
        return bare
    try:
        return json.loads(schema)
    except json.JSONDecodeError as exc:
        raise SchemaParseError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            hint="fix the JSON syntax; a schema is a JSON object, array or quoted type name",
            source=source,
        ) from None


def parse_schema(
    schema: str | Mapping[str, Any] | Sequence[Any],
    *,
    references: Sequence[ParsedSchema] = (),
    source: str | None = None,
) -> ParsedSchema:
    """Validate and parse an Avro schema (JSON text, dict or union list).

    `references` are already-parsed schemas whose named types this one may use by name.
    Raises `SchemaParseError` with the JSON-pointer path of the first problem.
    """
    raw = _load(schema, source)
    known: dict[str, Any] = {}
    for reference in references:
        known.update(reference.index.named if reference.index is not None else reference.named_types)
    try:
        defined = validate(raw, known=known)
    except InvalidSchema as exc:
        raise SchemaParseError(exc.message, path=exc.path, hint=exc.hint, source=source) from None
    named_schemas = dict(known)
    try:
        # fastavro and the compatibility walk see the schema as Avro Java reads it
        # (defaults were checked above, by Avro Java's rules, which differ from fastavro's in places)
        parsed = fastavro.parse_schema(
            without_invalid_logical_types(raw), named_schemas=named_schemas, _ignore_default_error=True
        )
    except (SchemaParseException, UnknownType, KeyError, TypeError, ValueError) as exc:
        raise SchemaParseError(f"fastavro cannot parse it: {exc}", hint="fix the schema", source=source) from None
    own = {name: named_schemas[name] for name in defined if name in named_schemas}
    index = build_index(MappingProxyType(named_schemas), parsed)
    return ParsedSchema(
        raw=raw,
        canonical=canonical_text(raw),
        parsed=parsed,
        named_types=MappingProxyType(own),
        index=index,
    )


def schema_index(schema: ParsedSchema) -> SchemaIndex:
    """The lookups of `schema`, built now if it was constructed without them."""
    if schema.index is not None:
        return schema.index
    named = dict(schema.named_types)
    if isinstance(schema.parsed, dict):
        named.update(schema.parsed.get("__named_schemas", {}))
    return build_index(named, schema.parsed)


__all__ = ["PRIMITIVES", "ParsedSchema", "canonical_text", "parse_schema", "schema_index"]
