"""The consumer-aware check: every new writer schema against every registered reader of its subject.

    check_readers(local, readers)   -> findings GOV301 (the reader cannot decode the new writer's data,
                                       or decodes it into wrong values: the semantic layer's errors),
                                       GOV302 (a field the consumer uses is no longer written: it
                                       would silently read the reader's default) and GOV305 (the
                                       semantic layer's warnings: information the reader loses)

A `RegisteredReader` is what a consumer contract declares for one event type of a product: the
reader schema the consumer decodes with and the fields it uses. Callers build them from contract
files or from the contracts topic (`mesh.products.contracts`); nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mesh.compat import Incompatibility, Kind, ParsedSchema, check_pair
from mesh.compat.semantic import SemanticFinding, semantic_pair
from mesh.governance import rules
from mesh.governance.findings import Finding

if TYPE_CHECKING:  # schema_check runs this check, so it cannot be imported at run time here
    from mesh.governance.schema_check import LocalSchema


@dataclass(frozen=True, slots=True)
class RegisteredReader:
    """One consumer's reader of one writer subject (`<topic>-<record fullname>`).

    `source` says where the contract was read (a contract file, or the contracts topic); `fields`
    are the dotted paths the consumer uses.
    """

    consumer: str
    product: str
    event_type: str
    subject: str
    schema: ParsedSchema
    fields: tuple[str, ...]
    source: str


def _field_name(raw: Any, path: str) -> str | None:
    """The dotted name of the field a reader-schema pointer (`/fields/3/type/fields/0`) ends in."""
    names: list[str] = []
    node = raw
    segments = [segment for segment in path.split("/") if segment]
    for index, segment in enumerate(segments):
        try:
            node = node[int(segment)] if isinstance(node, list) else node[segment]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
        if index > 0 and segments[index - 1] == "fields" and isinstance(node, Mapping):
            names.append(str(node.get("name")))
    return ".".join(names) or None


def field_paths(raw: Any, prefix: str = "") -> set[str]:
    """Every dotted field path of a record schema (nested records through unions, arrays and maps)."""
    found: set[str] = set()
    if not isinstance(raw, Mapping) or raw.get("type") != "record":
        return found
    for field in raw.get("fields", ()):
        path = f"{prefix}{field['name']}"
        found.add(path)
        for inner in _records(field["type"]):
            found |= field_paths(inner, f"{path}.")
    return found


def _records(node: Any) -> list[Mapping[str, Any]]:
    if isinstance(node, list):
        return [record for branch in node for record in _records(branch)]
    if isinstance(node, Mapping):
        kind = node.get("type")
        if kind == "record":
            return [node]
        if kind == "array":
            return _records(node.get("items"))
        if kind == "map":
            return _records(node.get("values"))
        if isinstance(kind, Mapping | list):
            return _records(kind)
    return []


def _breaks(reader: RegisteredReader, local: LocalSchema, problem: Incompatibility) -> Finding:
    field = _field_name(reader.schema.raw, problem.path)
    if problem.kind == Kind.READER_FIELD_MISSING_DEFAULT_VALUE and field:
        what = f"field `{field}` removed, read without a default"
        hint = (f"keep field `{field}` (or give it a default first in {reader.consumer}'s reader), "
                "or publish the change as the next major version of the product")
    else:
        what = f"{('field `' + field + '`: ') if field else ''}{problem.message}"
        hint = (f"write what {reader.consumer}'s reader can read, or agree the change with its owner (who "
                "updates the reader first), or publish the change as the next major version of the product")
    return rules.BREAKS_READER.finding(
        local.file,
        f"breaks {reader.consumer}'s reader: {what} (reader of {reader.event_type} declared in {reader.source})",
        path=problem.path,
        hint=hint,
        subject=local.subject,
    )


def _dropped(reader: RegisteredReader, local: LocalSchema, broken: set[str]) -> list[Finding]:
    written = field_paths(local.schema.raw)
    return [
        rules.USED_FIELD_DROPPED.finding(
            local.file,
            f"{reader.consumer} uses field `{field}` of {reader.event_type}, which this schema no longer writes: "
            f"its reader would silently get the default (declared in {reader.source})",
            path=field,
            hint=f"keep field `{field}`, or agree with {reader.consumer}'s owner that it stops using it "
            "(and remove it from their contract) first",
            subject=local.subject,
        )
        for field in reader.fields
        if field not in written and field not in broken
    ]


def _semantic(reader: RegisteredReader, local: LocalSchema, found: SemanticFinding) -> Finding:
    rule = rules.READER_LOSES_INFORMATION if found.is_warning else rules.BREAKS_READER
    what = "loses information in" if found.is_warning else "breaks"
    return rule.finding(
        local.file,
        f"{what} {reader.consumer}'s reader: field `{found.field}`: this schema writes {found.old_type} where "
        f"the reader reads {found.new_type}; the reader {found.example} (reader of {reader.event_type} declared in "
        f"{reader.source})",
        path=found.path,
        hint=f"keep writing {found.new_type}, or agree the change with {reader.consumer}'s owner (who updates the "
        "reader first), or publish the change as the next major version of the product",
        subject=local.subject,
    )


def check_readers(local: Sequence[LocalSchema], readers: Sequence[RegisteredReader]) -> tuple[Finding, ...]:
    """Each local (writer) schema against every reader registered for its subject, in file order."""
    by_subject: dict[str, list[RegisteredReader]] = {}
    for reader in readers:
        by_subject.setdefault(reader.subject, []).append(reader)
    findings: list[Finding] = []
    for schema in local:
        for reader in sorted(by_subject.get(schema.subject, ()), key=lambda r: (r.consumer, r.source)):
            problems = check_pair(reader.schema, schema.schema)
            findings.extend(_breaks(reader, schema, problem) for problem in problems)
            if not problems:  # values are only worth comparing once the reader can decode at all
                findings.extend(_semantic(reader, schema, found) for found in semantic_pair(reader.schema,
                                                                                            schema.schema))
            broken = {name for p in problems if (name := _field_name(reader.schema.raw, p.path))}
            findings.extend(_dropped(reader, schema, broken))
    return tuple(findings)
