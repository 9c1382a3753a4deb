"""Consumer contracts: what a consuming team reads of a product, declared as data next to its products.

One YAML file per (consumer, product) under `<domains>/<domain>/contracts/`:

    consumer: care.member_360             who reads (a product or processor id, <domain>.<name>)
    product: claims.claims                the product it reads
    owner: {team: Care Management, contact: care-data@healthco.example}
    readers:                              per event type of the product it decodes
      com.healthco.claims.ClaimAdjudicated.v1:
        schema: domains/care/contracts/readers/claim_adjudicated.avsc   its own reader schema
        fields: [claim_id, subscriber_id, outcome, allowed_amount]       the fields it uses (dotted)

Checked on load: the product and event types exist, the reader schema is valid Avro with the same
record full name as the product's event schema (Avro resolves records by name), and every field used
is in the reader schema. Reader schemas live outside `schemas/`, which holds writer schemas only
(`mesh schemas check|register` would take them for writers). `registered_readers` turns contracts
into the `RegisteredReader`s of the consumer-aware check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mesh.compat import ParsedSchema, parse_schema
from mesh.core.errors import DescriptorError, SchemaParseError
from mesh.governance.reader_check import RegisteredReader, field_paths
from mesh.products.descriptor import EventType, Owner, ProductId
from mesh.products.loader import Product, read_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReaderSpec(_Strict):
    """The reader schema a consumer decodes one event type with, and the fields it uses."""

    schema_file: str = Field(alias="schema", min_length=1)
    fields: list[str] = Field(min_length=1)


class ContractSpec(_Strict):
    """A consumer contract file as written (see the module docstring)."""

    consumer: ProductId
    product: ProductId
    owner: Owner
    readers: dict[EventType, ReaderSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Reader:
    """One loaded reader: event type, writer subject, reader schema (text and parsed), fields used."""

    event_type: str
    subject: str
    file: str
    text: str
    schema: ParsedSchema
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Contract:
    """A validated consumer contract with its readers; `file` is where it was declared."""

    consumer: str
    product: str
    topic: str
    owner_team: str
    owner_contact: str
    file: str
    readers: tuple[Reader, ...]

    @property
    def key(self) -> str:
        """Its identity on the contracts topic: one contract per consumer and product."""
        return f"{self.consumer}->{self.product}"


def contract_files(domains_dir: Path | str = "domains") -> list[Path]:
    """Every contract file: `<domains>/<domain>/contracts/*.yaml`, sorted."""
    return sorted(Path(domains_dir).glob("*/contracts/*.yaml"))


def _spec(path: Path) -> ContractSpec:
    file = str(path)
    raw = read_yaml(path)
    try:
        return ContractSpec.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(contract)"
        problem = "unknown key" if first["type"] == "extra_forbidden" else str(first["msg"]).removeprefix(
            "Value error, ")
        raise DescriptorError(file, field, problem, hint="see mesh/products/contracts.py for the contract format") \
            from exc


def _reader(file: str, event_type: str, spec: ReaderSpec, product: Product, root: Path) -> Reader:
    where = f"readers.{event_type}"
    known = [schema.event_type for schema in product.schemas]
    if event_type not in known:
        raise DescriptorError(file, where, f"{product.id} has no event type {event_type}",
                              hint=f"its event types: {', '.join(known)}")
    writer = product.schema_for(event_type)
    path = root / spec.schema_file
    try:
        text = path.read_text(encoding="utf-8")
        parsed = parse_schema(json.loads(text), source=spec.schema_file)
    except OSError as exc:
        raise DescriptorError(file, f"{where}.schema", f"reader schema {spec.schema_file!r} cannot be read "
                              f"({exc.strerror})", hint=f"create it or fix the path (relative to {root.resolve()})") \
            from exc
    except (ValueError, SchemaParseError) as exc:
        raise DescriptorError(file, f"{where}.schema", f"{spec.schema_file} is not valid Avro: {exc}",
                              hint="fix the reader schema") from exc
    raw = parsed.raw
    fullname = f"{raw.get('namespace')}.{raw.get('name')}" if isinstance(raw, Mapping) else None
    if fullname != writer.fullname:
        raise DescriptorError(file, f"{where}.schema", f"{spec.schema_file} defines {fullname}, but "
                              f"{event_type} is written as {writer.fullname}",
                              hint=f"name the reader record {writer.fullname} (Avro matches records by name)")
    readable = field_paths(raw)
    for index, used in enumerate(spec.fields):
        if used not in readable:
            raise DescriptorError(file, f"{where}.fields.{index}", f"field {used!r} is not in {spec.schema_file}",
                                  hint="add it to the reader schema or remove it from the fields used")
    return Reader(event_type, writer.subject, spec.schema_file, text, parsed, tuple(spec.fields))


def load_contract(path: Path | str, products: Sequence[Product], *, root: Path | str = ".") -> Contract:
    """Load and check one contract against the products it may name; DescriptorError on any problem."""
    path = Path(path)
    spec = _spec(path)
    file = str(path)
    by_id = {product.id: product for product in products}
    product = by_id.get(spec.product)
    if product is None:
        raise DescriptorError(file, "product", f"{spec.product!r} is not a known product",
                              hint=f"known products: {', '.join(sorted(by_id))}")
    readers = tuple(_reader(file, t, reader, product, Path(root)) for t, reader in spec.readers.items())
    return Contract(spec.consumer, spec.product, product.descriptor.topic, spec.owner.team, spec.owner.contact,
                    file, readers)


def scan_contracts(
    domains_dir: Path | str, products: Sequence[Product], *, root: Path | str = "."
) -> tuple[list[Contract], list[DescriptorError]]:
    """Every contract under `domains_dir`, and every problem (one per file); duplicates are problems."""
    contracts: list[Contract] = []
    errors: list[DescriptorError] = []
    seen: dict[str, str] = {}
    for path in contract_files(domains_dir):
        try:
            contract = load_contract(path, products, root=root)
        except DescriptorError as exc:
            errors.append(exc)
            continue
        if contract.key in seen:
            errors.append(DescriptorError(contract.file, "consumer", f"{contract.consumer} already has a contract "
                                          f"for {contract.product} in {seen[contract.key]}",
                                          hint="keep one contract per consumer and product"))
            continue
        seen[contract.key] = contract.file
        contracts.append(contract)
    return contracts, errors


def registered_readers(contracts: Iterable[Contract], *, source: str | None = None) -> list[RegisteredReader]:
    """The readers of the consumer-aware check; `source` overrides where they say they were declared."""
    return [
        RegisteredReader(contract.consumer, contract.product, reader.event_type, reader.subject, reader.schema,
                         reader.fields, source or contract.file)
        for contract in contracts
        for reader in contract.readers
    ]
