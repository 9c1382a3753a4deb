"""Product search: an index over id, domain, owner, description, field names and docs, plus filters.

Pure and in memory: built once from the loaded products. Every word of a query must occur in a
product's text (case-insensitive substring); hits are ranked by where the words matched (id, then
owner/domain/description, then fields).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mesh.products.loader import Product

FILTERS = ("domain", "kind", "lifecycle", "classification")
"""The facets a search can be narrowed by."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One product as the index sees it: lower-cased texts by weight and its facet values."""

    product: Product
    head: str
    body: str
    fields: str
    facets: Mapping[str, frozenset[str]]


def _field_texts(schema: Mapping[str, Any]) -> Iterable[str]:
    for field in schema.get("fields", []):
        yield str(field.get("name", ""))
        if field.get("doc"):
            yield str(field["doc"])
        for branch in field["type"] if isinstance(field["type"], list) else [field["type"]]:
            inner = branch.get("items", branch) if isinstance(branch, dict) else branch
            if isinstance(inner, dict) and inner.get("type") == "record":
                yield from _field_texts(inner)


def entry(product: Product) -> Entry:
    """The index entry of one product."""
    d = product.descriptor
    fields = " ".join(text for s in product.schemas for text in _field_texts(s.schema))
    return Entry(
        product=product,
        head=d.id.lower(),
        body=" ".join((d.domain, d.owner.team, d.owner.contact, d.description, *d.events)).lower(),
        fields=fields.lower(),
        facets={"domain": frozenset({d.domain}), "kind": frozenset({d.kind}),
                "lifecycle": frozenset({d.lifecycle}), "classification": frozenset(d.classification.values())},
    )


class SearchIndex:
    """Search the products: `index.search("claim amount", domain="claims")`."""

    def __init__(self, products: Sequence[Product]) -> None:
        self.entries = [entry(p) for p in sorted(products, key=lambda p: p.id)]

    def facet_values(self) -> dict[str, list[str]]:
        """Every value of every facet, sorted: what the filter drop-downs offer."""
        return {name: sorted({v for e in self.entries for v in e.facets[name]}) for name in FILTERS}

    def search(self, query: str = "", **filters: str | None) -> list[Product]:
        """Products matching every word of `query` and every given facet value, best first."""
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise ValueError(f"unknown filter(s) {sorted(unknown)}; use {', '.join(FILTERS)}")
        words = query.lower().split()
        wanted = {k: v for k, v in filters.items() if v}
        hits: list[tuple[int, Entry]] = []
        for e in self.entries:
            if any(v not in e.facets[k] for k, v in wanted.items()):
                continue
            score = 0
            for word in words:
                if word in e.head:
                    score += 100
                elif word in e.body:
                    score += 10
                elif word in e.fields:
                    score += 1
                else:
                    break
            else:
                hits.append((score, e))
        hits.sort(key=lambda hit: -hit[0])  # stable: equal scores keep id order
        return [e.product for _, e in hits]
