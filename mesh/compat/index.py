"""Per-schema lookups the resolution walk needs, computed once per parsed schema.

Named types by fullname, record fields by name and by alias, and named-type aliases as fullnames
(an unqualified alias lives in the namespace of the type that declares it, as the spec says).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FieldEntry = tuple[int, Mapping[str, Any]]


@dataclass(frozen=True)
class SchemaIndex:
    """Lookups over one fastavro-parsed schema (including the named types of its references)."""

    named: Mapping[str, Any]
    """fullname -> fastavro definition, for every named type the schema can use."""
    fields: Mapping[str, Mapping[str, FieldEntry]]
    """record fullname -> field name -> (position, field)."""
    aliases: Mapping[str, frozenset[str]]
    """named type fullname -> its aliases as fullnames."""


def _qualified(alias: str, fullname: str) -> str:
    if "." in alias:
        return alias
    namespace = fullname.rpartition(".")[0]
    return f"{namespace}.{alias}" if namespace else alias


def build_index(named: Mapping[str, Any]) -> SchemaIndex:
    """Build the lookups for a schema whose named types (fastavro form, by fullname) are `named`."""
    fields: dict[str, dict[str, FieldEntry]] = {}
    aliases: dict[str, frozenset[str]] = {}
    for fullname, definition in named.items():
        aliases[fullname] = frozenset(_qualified(alias, fullname) for alias in definition.get("aliases", ()))
        if definition["type"] in ("record", "error"):
            fields[fullname] = {field["name"]: (position, field) for position, field in enumerate(definition["fields"])}
    return SchemaIndex(named=named, fields=fields, aliases=aliases)
