"""Per-schema lookups the resolution walk needs, computed once per parsed schema.

Named types by fullname, record fields by name, named-type aliases as fullnames (an unqualified alias
lives in the namespace of the type that declares it, as the spec says), and a structural fingerprint
of every acyclic sub-schema: two sub-schemas with the same fingerprint are identical once named
references are expanded, and an identical schema always reads its own data, so the walk can skip
them. That is what makes re-checking a large, mostly unchanged record cheap.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FieldEntry = tuple[int, Mapping[str, Any], "str | None"]
"""(position, field, fingerprint of the field's type or None)."""
FieldLayout = tuple[str, tuple[str, ...], bool, int, "str | None", Mapping[str, Any]]
"""(name, aliases, has default, position, type fingerprint, field)."""
_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED = frozenset({"record", "error", "enum", "fixed"})
# (writer, reader) promotions, as in `resolution.PROMOTIONS` (which imports this module).
_PROMOTES_TO = {"int": ("long", "float", "double"), "long": ("float", "double"), "float": ("double",),
                "string": ("bytes",), "bytes": ("string",)}


def _branch_kind(node: Any, named: Mapping[str, Any]) -> str:
    while True:
        if isinstance(node, str):
            if node in _PRIMITIVES:
                return node
            node = named[node]
        elif isinstance(node, list):
            return "union"
        elif node["type"] in _PRIMITIVES or node["type"] in _NAMED or node["type"] in ("array", "map"):
            return str(node["type"])
        else:
            node = node["type"]


def union_choice(branches: list[Any], named: Mapping[str, Any]) -> dict[str, int]:
    """Primitive writer type -> first branch position that matches it (same type or a promotion)."""
    kinds = [_branch_kind(branch, named) for branch in branches]
    choices: dict[str, int] = {}
    for writer in _PRIMITIVES:
        readable = (writer, *_PROMOTES_TO.get(writer, ()))
        for position, kind in enumerate(kinds):
            if kind in readable:
                choices[writer] = position
                break
    return choices


@dataclass(frozen=True)
class SchemaIndex:
    """Lookups over one fastavro-parsed schema (including the named types of its references)."""

    named: Mapping[str, Any]
    """fullname -> fastavro definition, for every named type the schema can use."""
    fields: Mapping[str, Mapping[str, FieldEntry]]
    """record fullname -> field name -> (position, field, type fingerprint)."""
    aliases: Mapping[str, frozenset[str]]
    """named type fullname -> its aliases as fullnames."""
    fingerprints: Mapping[int, str]
    """id() of a dict/list node of the parsed schema -> fingerprint; absent when the node is recursive."""
    named_fingerprints: Mapping[str, str]
    """fullname -> fingerprint of an acyclic named type."""
    layouts: Mapping[str, tuple[FieldLayout, ...]]
    """record fullname -> its fields in order, unpacked for the walk."""
    union_choices: Mapping[int, Mapping[str, int]]
    """id() of a union -> primitive writer type -> position of the first branch that reads it (the
    spec's union rule, precomputed for the common case of primitive branches)."""


def _qualified(alias: str, fullname: str) -> str:
    if "." in alias:
        return alias
    namespace = fullname.rpartition(".")[0]
    return f"{namespace}.{alias}" if namespace else alias


class _Fingerprinter:
    """Digests of sub-schemas with named references expanded; None for anything on a cycle."""

    def __init__(self, named: Mapping[str, Any]) -> None:
        self.named = named
        self.by_id: dict[int, str] = {}
        self.unions: dict[int, dict[str, int]] = {}
        self.by_name: dict[str, str | None] = {}
        self.in_progress: set[str] = set()

    def of(self, node: Any) -> str | None:
        if isinstance(node, str):
            if node in _PRIMITIVES:
                return node
            return self._named(node)
        if isinstance(node, list):
            self.unions[id(node)] = union_choice(node, self.named)
            parts = [self.of(branch) for branch in node]
            return self._store(node, None if None in parts else ["union", parts])
        kind = node["type"]
        if kind in _NAMED:
            return self._named(node["name"])
        if kind == "array":
            return self._store(node, self._with(node, "items"))
        if kind == "map":
            return self._store(node, self._with(node, "values"))
        if kind in _PRIMITIVES:
            return self._store(node, node)
        return self._store(node, self._named(kind))

    def _with(self, node: Mapping[str, Any], key: str) -> Any:
        inner = self.of(node[key])
        return None if inner is None else {**node, key: inner}

    def _named(self, fullname: str) -> str | None:
        if fullname in self.by_name:
            return self.by_name[fullname]
        if fullname in self.in_progress:
            return None  # a back reference: everything on this cycle gets no fingerprint
        self.in_progress.add(fullname)
        definition = self.named[fullname]
        content: Any = definition
        if definition["type"] in ("record", "error"):
            types = [self.of(field["type"]) for field in definition["fields"]]
            content = None if None in types else {
                **definition, "fields": [{**field, "type": kind} for field, kind in zip(definition["fields"], types)]}
        self.in_progress.discard(fullname)
        digest = None if content is None else _digest(content)
        self.by_name[fullname] = digest
        if digest is not None:
            self.by_id[id(definition)] = digest
        return digest

    def _store(self, node: Any, content: Any) -> str | None:
        if content is None:
            return None
        digest = content if isinstance(content, str) else _digest(content)
        self.by_id[id(node)] = digest
        return digest


def _digest(content: Any) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def build_index(named: Mapping[str, Any], root: Any = None) -> SchemaIndex:
    """Build the lookups for a schema whose named types (fastavro form, by fullname) are `named`."""
    printer = _Fingerprinter(named)
    for fullname in named:
        printer.of(fullname)
    if root is not None:
        printer.of(root)
    fields: dict[str, dict[str, FieldEntry]] = {}
    layouts: dict[str, tuple[FieldLayout, ...]] = {}
    aliases: dict[str, frozenset[str]] = {}
    for fullname, definition in named.items():
        aliases[fullname] = frozenset(_qualified(alias, fullname) for alias in definition.get("aliases", ()))
        if definition["type"] in ("record", "error"):
            fields[fullname] = {field["name"]: (position, field, printer.of(field["type"]))
                                for position, field in enumerate(definition["fields"])}
            layouts[fullname] = tuple(
                (field["name"], tuple(field.get("aliases", ())), "default" in field, position,
                 fields[fullname][field["name"]][2], field)
                for position, field in enumerate(definition["fields"]))
    named_prints = {name: digest for name, digest in printer.by_name.items() if digest is not None}
    return SchemaIndex(named=named, fields=fields, aliases=aliases, fingerprints=printer.by_id,
                       named_fingerprints=named_prints, layouts=layouts, union_choices=printer.unions)
