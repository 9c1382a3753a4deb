"""Loading data product descriptors: YAML -> `ProductDescriptor` + the event schemas it names, checked.

Every problem becomes a `DescriptorError(file, field, problem, hint)`: invalid YAML, unknown keys, bad
values, a missing or invalid .avsc file, a schema whose record name or namespace does not match its
event type, a key that is not a string field of every event, a field without a classification (or a
classification of a field no schema has), an aggregate without inputs, an input that is no product.
`scan` collects every problem of a tree (for `mesh products validate`); `load_all` raises the first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro
import yaml  # type: ignore[import-untyped]
from pydantic import ValidationError

from mesh.core.errors import DescriptorError, UnclassifiedFieldError
from mesh.core.naming import record_subject
from mesh.products.descriptor import ProductDescriptor, event_name


@dataclass(frozen=True, slots=True)
class EventSchema:
    """One event schema of a product: its file, record full name, subject and canonical text."""

    event_type: str
    path: Path
    fullname: str
    subject: str
    text: str
    schema: Mapping[str, Any]

    def field_paths(self) -> list[tuple[str, bool]]:
        """Every field as (dotted path, is_leaf), nested records included."""
        return list(_paths(self.schema, ""))


@dataclass(frozen=True, slots=True)
class Product:
    """A validated descriptor with the file it came from and its loaded event schemas."""

    descriptor: ProductDescriptor
    file: Path
    schemas: tuple[EventSchema, ...]

    @property
    def id(self) -> str:
        """The product id."""
        return self.descriptor.id

    def schema_for(self, event_type: str) -> EventSchema:
        """The schema of one of the product's event types."""
        for schema in self.schemas:
            if schema.event_type == event_type:
                return schema
        raise KeyError(f"{self.id} has no event type {event_type!r}; it has {[s.event_type for s in self.schemas]}")


def _record_of(schema: Any) -> Iterator[Mapping[str, Any]]:
    """Records directly inside a field type (through unions, arrays and maps)."""
    if isinstance(schema, list):
        for branch in schema:
            yield from _record_of(branch)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "record":
            yield schema
        elif kind == "array":
            yield from _record_of(schema["items"])
        elif kind == "map":
            yield from _record_of(schema["values"])
        elif isinstance(kind, dict | list):
            yield from _record_of(kind)


def _paths(record: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, bool]]:
    for field in record["fields"]:
        path = f"{prefix}{field['name']}"
        nested = list(_record_of(field["type"]))
        yield path, not nested
        for inner in nested:
            yield from _paths(inner, f"{path}.")


def _pydantic_error(file: str, exc: ValidationError) -> DescriptorError:
    errors = exc.errors()
    first = errors[0]
    field = ".".join(str(p) for p in first["loc"] if p != "[key]") or "(descriptor)"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    if first["type"] == "extra_forbidden":
        allowed = ", ".join(ProductDescriptor.model_fields)
        return DescriptorError(file, field, f"unknown key{more}", hint=f"remove it or fix its spelling; top-level keys are: {allowed}")
    if first["type"] == "missing":
        return DescriptorError(file, field, f"required key is missing{more}", hint="add it (see mesh/products/descriptor.py)")
    message = str(first["msg"]).removeprefix("Value error, ")
    return DescriptorError(file, field, f"{message}{more}", hint="fix the value (see mesh/products/descriptor.py)")


def _load_schema(file: str, descriptor: ProductDescriptor, event_type: str, rel: str, root: Path) -> EventSchema:
    where = f"events.{event_type}"
    path = root / rel
    if not path.is_file():
        raise DescriptorError(file, where, f"schema file {rel!r} does not exist",
                              hint=f"create it or fix the path (relative to {root.resolve()})")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        fastavro.parse_schema(raw, _write_hint=False)
    except (ValueError, fastavro.schema.SchemaParseException) as exc:
        raise DescriptorError(file, where, f"{rel} is not a valid Avro schema: {exc}", hint="fix the schema") from exc
    if not isinstance(raw, dict) or raw.get("type") != "record":
        raise DescriptorError(file, where, f"{rel} is not an Avro record", hint="one named record per .avsc file")
    namespace = f"mesh.{descriptor.domain}"
    if raw.get("name") != event_name(event_type) or raw.get("namespace") != namespace:
        raise DescriptorError(
            file, where, f"{rel} defines {raw.get('namespace')}.{raw.get('name')}, not {namespace}.{event_name(event_type)}",
            hint="the record name is the event name and the namespace is mesh.<domain>",
        )
    fullname = f"{namespace}.{raw['name']}"
    return EventSchema(event_type=event_type, path=path, fullname=fullname,
                       subject=record_subject(descriptor.topic, fullname),
                       text=json.dumps(raw, separators=(",", ":")), schema=raw)


def _check_key(file: str, descriptor: ProductDescriptor, schemas: Iterable[EventSchema]) -> None:
    for schema in schemas:
        types = {f["name"]: f["type"] for f in schema.schema["fields"]}
        if types.get(descriptor.key) != "string":
            raise DescriptorError(file, "key", f"{descriptor.key!r} is not a string field of {schema.fullname}",
                                  hint="the key must be a non-null string field of every event schema of the product")


def _check_classification(file: str, descriptor: ProductDescriptor, schemas: Iterable[EventSchema]) -> None:
    classified = descriptor.classification
    all_paths: set[str] = set()
    for schema in schemas:
        for path, is_leaf in schema.field_paths():
            all_paths.add(path)
            parts = path.split(".")
            covered = any(".".join(parts[:i]) in classified for i in range(1, len(parts) + 1))
            if is_leaf and not covered:
                raise UnclassifiedFieldError(
                    file, f"classification.{path}", f"field {path!r} of {schema.fullname} has no classification",
                    hint="add it (public, internal, confidential, pii or phi), or classify an enclosing record",
                )
    for path in classified:
        if path not in all_paths:
            raise DescriptorError(file, f"classification.{path}", "classifies a field no event schema of the product has",
                                  hint="remove it or fix the field path (dotted, e.g. profile.email)")


def read_yaml(path: Path) -> object:
    """The parsed YAML of a descriptor or contract file; a `DescriptorError` names the file and the line."""
    file = str(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DescriptorError(file, "(file)", f"cannot be read: {exc.strerror}", hint="check the path") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DescriptorError(file, "(yaml)", f"invalid YAML{where}: {getattr(exc, 'problem', exc)}",
                              hint="fix the YAML syntax") from exc


def load_descriptor(path: Path | str, *, root: Path | str = ".") -> Product:
    """Load and check one descriptor; schema paths are relative to `root` (the project root)."""
    path, root = Path(path), Path(root)
    file = str(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise DescriptorError(file, "(descriptor)", "is not a mapping of keys to values",
                              hint="a descriptor is a YAML mapping: id, domain, owner, ...")
    try:
        descriptor = ProductDescriptor.model_validate(raw)
    except ValidationError as exc:
        raise _pydantic_error(file, exc) from exc
    if path.parent.name == "products" and path.parent.parent.name != descriptor.domain:
        raise DescriptorError(file, "domain", f"{descriptor.domain!r} does not match the folder {path.parent.parent.name!r}",
                              hint="keep descriptors under domains/<domain>/products/")
    schemas = tuple(_load_schema(file, descriptor, t, rel, root) for t, rel in descriptor.events.items())
    _check_key(file, descriptor, schemas)
    _check_classification(file, descriptor, schemas)
    return Product(descriptor=descriptor, file=path, schemas=schemas)


def descriptor_files(root: Path | str = "domains") -> list[Path]:
    """Every descriptor file: `<root>/<domain>/products/*.yaml`, sorted."""
    return sorted(Path(root).glob("*/products/*.yaml"))


def scan(root: Path | str = "domains", *, project_root: Path | str = ".") -> tuple[list[Product], list[DescriptorError]]:
    """Load every descriptor under `root`; returns the valid products and every problem found."""
    products: list[Product] = []
    errors: list[DescriptorError] = []
    for path in descriptor_files(root):
        try:
            products.append(load_descriptor(path, root=project_root))
        except DescriptorError as exc:
            errors.append(exc)
    seen: dict[str, Product] = {}
    for product in products:
        other = seen.get(product.descriptor.topic)
        if other is not None:
            errors.append(DescriptorError(str(product.file), "id", f"same topic {product.descriptor.topic!r} as {other.file}",
                                          hint="give each product its own id or version"))
        seen[product.descriptor.topic] = product
    ids = {p.id for p in products} | {
        f"{p.parent.parent.name}.{p.stem}" for p in descriptor_files(root)
    }
    for product in products:
        for index, input_id in enumerate(product.descriptor.inputs):
            if input_id not in ids:
                errors.append(DescriptorError(str(product.file), f"inputs.{index}", f"{input_id!r} is not a known product",
                                              hint=f"known products: {', '.join(sorted(ids))}"))
    return products, errors


def load_all(root: Path | str = "domains", *, project_root: Path | str = ".") -> list[Product]:
    """Every product under `root`, sorted by id; raises the first DescriptorError found."""
    products, errors = scan(root, project_root=project_root)
    if errors:
        raise errors[0]
    return sorted(products, key=lambda p: p.id)
