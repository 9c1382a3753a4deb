"""The registry state machine: subjects, versions, schema ids, levels, modes, references, deletes.

`RegistryState.apply` is the only way the state changes. It takes records in log order and decides
each one with the same deterministic rules on every instance, so all instances replaying the same
log agree, whoever wrote what:

- a schema claim is accepted only if its id is free or already bound to the same schema, its schema
  has no other id, its subject/version slot is free (the very same claim again is a no-op), the
  schema is not already live in the subject, and every reference points at a live version;
- an id, once bound to a schema, is never bound to another, even after a hard delete;
- deletes follow Confluent's rules (soft first, then permanent; nothing referenced is deleted);
- configs and modes: the last record wins.

The writer of a record learns from the `Outcome` whether its claim won. Nothing here does I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mesh.registry.records import ConfigRecord, DeleteRecord, Record, Reference, SchemaRecord

READWRITE = "READWRITE"


@dataclass
class SchemaEntry:
    """One schema id: the schema text as first registered and everything that makes its identity."""

    schema_id: int
    schema: str
    fingerprint: str
    references: tuple[Reference, ...]
    metadata: Any = None
    rule_set: Any = None

    def to_json(self) -> dict[str, Any]:
        """The `GET /schemas/ids/{id}` body (no `schemaType`: Confluent omits it for AVRO)."""
        body: dict[str, Any] = {"schema": self.schema}
        if self.references:
            body["references"] = [r.to_json() for r in self.references]
        if self.metadata is not None:
            body["metadata"] = self.metadata
        if self.rule_set is not None:
            body["ruleSet"] = self.rule_set
        return body


@dataclass
class VersionEntry:
    """One version of a subject; `deleted` means soft-deleted."""

    subject: str
    version: int
    schema_id: int
    deleted: bool = False


@dataclass(frozen=True)
class Outcome:
    """Whether a record was applied; `reason` says why not."""

    accepted: bool
    reason: str = ""


ACCEPTED = Outcome(True)


@dataclass
class RegistryState:
    """Everything the registry knows, rebuilt by applying the log from its start."""

    default_level: str = "BACKWARD"
    schemas: dict[int, SchemaEntry] = field(default_factory=dict)
    ids_by_fingerprint: dict[str, int] = field(default_factory=dict)
    subjects: dict[str, dict[int, VersionEntry]] = field(default_factory=dict)
    uses: dict[int, set[tuple[str, int]]] = field(default_factory=dict)
    referencing: dict[tuple[str, int], set[int]] = field(default_factory=dict)
    configs: dict[str | None, str] = field(default_factory=dict)
    refuse_semantic: dict[str | None, bool] = field(default_factory=dict)
    modes: dict[str | None, str] = field(default_factory=dict)
    max_id: int = 0
    # pre-serialized GET /schemas/ids/{id} bodies for ids with at least one version (the hot path)
    id_bodies: dict[int, bytes] = field(default_factory=dict)

    # ---- reads ---------------------------------------------------------------------------------

    def versions(self, subject: str, *, include_deleted: bool = False) -> list[VersionEntry]:
        """The subject's versions, oldest first."""
        entries = self.subjects.get(subject, {})
        return [e for _, e in sorted(entries.items()) if include_deleted or not e.deleted]

    def subject_names(self, *, include_deleted: bool = False) -> list[str]:
        """Subjects with at least one (live, unless `include_deleted`) version, sorted."""
        return sorted(s for s in self.subjects if self.versions(s, include_deleted=include_deleted))

    def find(self, subject: str, fingerprint: str, *, include_deleted: bool = False) -> VersionEntry | None:
        """The subject's version holding the schema with this fingerprint, if any (latest first)."""
        schema_id = self.ids_by_fingerprint.get(fingerprint)
        if schema_id is None:
            return None
        for entry in reversed(self.versions(subject, include_deleted=include_deleted)):
            if entry.schema_id == schema_id:
                return entry
        return None

    def next_version(self, subject: str) -> int:
        """Versions keep counting after soft deletes."""
        return max(self.subjects.get(subject, {}), default=0) + 1

    def level_of(self, subject: str | None) -> str:
        """The compatibility level that applies to `subject` (None: the global one)."""
        if subject is not None and subject in self.configs:
            return self.configs[subject]
        return self.configs.get(None, self.default_level)

    def refuses_semantic(self, subject: str | None) -> bool:
        """Whether semantic breaks (mesh.compat.semantic errors) are refused for `subject` (None: globally)."""
        if subject is not None and subject in self.refuse_semantic:
            return self.refuse_semantic[subject]
        return self.refuse_semantic.get(None, False)

    def mode_of(self, subject: str | None) -> str:
        """The mode that applies to `subject` (None: the global one)."""
        if subject is not None and subject in self.modes:
            return self.modes[subject]
        return self.modes.get(None, READWRITE)

    def referenced_by(self, subject: str, version: int, *, include_deleted: bool = False) -> list[int]:
        """Ids of schemas with a (live, unless `include_deleted`) version that reference subject/version."""
        ids = []
        for schema_id in sorted(self.referencing.get((subject, version), ())):
            for s, v in self.uses.get(schema_id, ()):
                if include_deleted or not self.subjects[s][v].deleted:
                    ids.append(schema_id)
                    break
        return ids

    def uses_of(self, schema_id: int, *, include_deleted: bool = False) -> list[VersionEntry]:
        """The subject versions that hold this schema id, sorted by subject and version."""
        entries = [self.subjects[s][v] for s, v in self.uses.get(schema_id, ())]
        return sorted((e for e in entries if include_deleted or not e.deleted), key=lambda e: (e.subject, e.version))

    # ---- writes --------------------------------------------------------------------------------

    def apply(self, record: Record) -> Outcome:
        """Apply one log record with the deterministic rules in the module docstring."""
        if isinstance(record, SchemaRecord):
            return self._apply_schema(record)
        if isinstance(record, DeleteRecord):
            return self._apply_delete(record)
        if isinstance(record, ConfigRecord):
            _set_or_pop(self.configs, record.subject, record.level)
            refuse = None if record.level is None else record.refuse_semantic
            if refuse is None:
                self.refuse_semantic.pop(record.subject, None)
            else:
                self.refuse_semantic[record.subject] = refuse
            return ACCEPTED
        _set_or_pop(self.modes, record.subject, record.mode)
        return ACCEPTED

    def _apply_schema(self, r: SchemaRecord) -> Outcome:
        if r.schema_id < 1 or r.version < 1:
            return Outcome(False, f"id {r.schema_id} and version {r.version} must be positive")
        bound = self.schemas.get(r.schema_id)
        if bound is not None and bound.fingerprint != r.fingerprint:
            return Outcome(False, f"id {r.schema_id} already belongs to another schema")
        known_id = self.ids_by_fingerprint.get(r.fingerprint)
        if known_id is not None and known_id != r.schema_id:
            return Outcome(False, f"the schema already has id {known_id}")
        slot = self.subjects.get(r.subject, {}).get(r.version)
        if slot is not None:
            if slot.schema_id == r.schema_id and not slot.deleted:
                return ACCEPTED  # the same claim twice (two writers raced with the same proposal)
            return Outcome(False, f"subject '{r.subject}' version {r.version} is taken")
        if known_id is not None and self.find(r.subject, r.fingerprint) is not None:
            return Outcome(False, f"the schema is already registered under subject '{r.subject}'")
        for ref in r.references:
            target = self.subjects.get(ref.subject, {}).get(ref.version)
            if target is None or target.deleted:
                return Outcome(False, f"reference {ref.subject} version {ref.version} does not exist")
        if bound is None:
            entry = SchemaEntry(r.schema_id, r.schema, r.fingerprint, r.references, r.metadata, r.rule_set)
            self.schemas[r.schema_id] = entry
            self.ids_by_fingerprint[r.fingerprint] = r.schema_id
            self.max_id = max(self.max_id, r.schema_id)
            for ref in r.references:
                self.referencing.setdefault((ref.subject, ref.version), set()).add(r.schema_id)
        self.subjects.setdefault(r.subject, {})[r.version] = VersionEntry(r.subject, r.version, r.schema_id)
        self.uses.setdefault(r.schema_id, set()).add((r.subject, r.version))
        self.id_bodies[r.schema_id] = _body(self.schemas[r.schema_id])
        return ACCEPTED

    def _apply_delete(self, r: DeleteRecord) -> Outcome:
        entries = self.subjects.get(r.subject, {})
        if r.version is None:
            targets = list(entries.values())
            if not targets:
                return Outcome(False, f"subject '{r.subject}' does not exist")
            if not r.permanent and all(e.deleted for e in targets):
                return Outcome(False, f"subject '{r.subject}' is already soft-deleted")
            if r.permanent and not all(e.deleted for e in targets):
                return Outcome(False, f"subject '{r.subject}' is not soft-deleted")
        else:
            target = entries.get(r.version)
            if target is None:
                return Outcome(False, f"subject '{r.subject}' version {r.version} does not exist")
            if target.deleted != r.permanent:
                return Outcome(False, f"subject '{r.subject}' version {r.version} is in the wrong delete state")
            targets = [target]
        for entry in targets:
            if self.referenced_by(entry.subject, entry.version, include_deleted=r.permanent):
                return Outcome(False, f"subject '{r.subject}' version {entry.version} is referenced")
        for entry in targets:
            if r.permanent:
                del entries[entry.version]
                uses = self.uses[entry.schema_id]
                uses.discard((entry.subject, entry.version))
                if not uses:
                    self.id_bodies.pop(entry.schema_id, None)
            else:
                entry.deleted = True
        if not entries:
            del self.subjects[r.subject]
            self.configs.pop(r.subject, None)
            self.refuse_semantic.pop(r.subject, None)
            self.modes.pop(r.subject, None)
        return ACCEPTED


def _set_or_pop(table: dict[str | None, str], key: str | None, value: str | None) -> None:
    if value is None:
        table.pop(key, None)
    else:
        table[key] = value


def _body(entry: SchemaEntry) -> bytes:
    return json.dumps(entry.to_json(), separators=(",", ":")).encode()
