"""The catalog's pure parts: search and filters, field tables, version diffs, masking, freshness verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesh.catalog.fields import diff, mask, rows, type_text
from mesh.catalog.lineage import graph
from mesh.catalog.search import SearchIndex
from mesh.catalog.status import BREACHED, MET, MISSING, NO_EVENTS, TopicObservation, assess, human_duration
from mesh.products.loader import Product, load_all

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def products() -> list[Product]:
    return load_all(ROOT / "domains", project_root=ROOT)


def _ids(found: list[Product]) -> list[str]:
    return [p.id for p in found]


@pytest.mark.parametrize(("query", "filters", "expected"), [
    ("", {}, ["care.member_360", "claims.claims", "clinical.visits", "membership.member_identity",
              "membership.members"]),
    # id first, then owner/description (member_identity links to "the claims system"), then fields
    ("claims", {}, ["claims.claims", "membership.member_identity", "care.member_360"]),
    ("CLAIMS platform", {}, ["claims.claims"]),                        # owner team, any case, every word
    ("allowed_amount", {}, ["care.member_360", "claims.claims"]),      # a field name (equal rank: id order)
    ("national provider identifier", {}, ["clinical.visits", "claims.claims"]),  # a field doc
    ("", {"kind": "aggregate"}, ["care.member_360"]),
    ("", {"domain": "membership", "lifecycle": "active"}, ["membership.member_identity", "membership.members"]),
    ("", {"classification": "public"}, []),
    ("no-such-word", {}, []),
])
def test_search_matches_every_word_and_every_filter(products: list[Product], query: str,
                                                    filters: dict[str, str], expected: list[str]) -> None:
    assert _ids(SearchIndex(products).search(query, **filters)) == expected


def test_unknown_filter_is_refused_with_the_known_ones(products: list[Product]) -> None:
    with pytest.raises(ValueError, match="owner.*use domain, kind, lifecycle, classification"):
        SearchIndex(products).search("", owner="x")


def test_facet_values_offer_what_the_products_have(products: list[Product]) -> None:
    facets = SearchIndex(products).facet_values()
    assert facets["kind"] == ["aggregate", "source"]
    assert "phi" in facets["classification"]


SCHEMA_V1 = {"type": "record", "name": "Claim", "fields": [
    {"name": "id", "type": "string", "doc": "claim number"},
    {"name": "member", "type": {"type": "record", "name": "Member", "fields": [
        {"name": "name", "type": "string"}, {"name": "plan", "type": ["null", "string"], "default": None}]}},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
    {"name": "codes", "type": {"type": "array", "items": "string"}},
]}
SCHEMA_V2 = {"type": "record", "name": "Claim", "fields": [
    {"name": "id", "type": "string", "doc": "claim number, unique"},
    {"name": "member", "type": {"type": "record", "name": "Member", "fields": [{"name": "name", "type": "string"}]}},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
    {"name": "codes", "type": {"type": "array", "items": "string"}},
    {"name": "currency", "type": "string", "default": "USD"},
]}
CLASSES = {"id": "internal", "member": "pii", "amount": "phi", "codes": "phi"}


def test_rows_flatten_nested_records_and_inherit_classification() -> None:
    found = {r.path: (r.type, r.classification, r.default) for r in rows(SCHEMA_V1, CLASSES)}
    assert found == {
        "id": ("string", "internal", ""), "member": ("Member", "pii", ""), "member.name": ("string", "pii", ""),
        "member.plan": ("null | string", "pii", "null"), "amount": ("bytes (decimal)", "phi", ""),
        "codes": ("array<string>", "phi", ""),
    }


@pytest.mark.parametrize(("avro", "text"), [
    ({"type": "map", "values": "long"}, "map<long>"), ({"type": "enum", "name": "Outcome", "symbols": ["A"]}, "Outcome"),
    ({"type": "long", "logicalType": "timestamp-millis"}, "long (timestamp-millis)"), ({"type": "int"}, "int"),
])
def test_type_text(avro: object, text: str) -> None:
    assert type_text(avro) == text


def test_diff_names_added_removed_and_changed_fields() -> None:
    changes = [(c.path, c.kind) for c in diff(SCHEMA_V1, SCHEMA_V2)]
    assert changes == [("currency", "added"), ("id", "changed"), ("member.plan", "removed")]
    assert diff(SCHEMA_V1, SCHEMA_V1) == []


def test_mask_hides_pii_and_phi_values_at_any_depth() -> None:
    data = {"id": "C1", "member": {"name": "Ann", "plan": None}, "amount": "12.50", "codes": ["A", "B"],
            "extra": {"x": 1}}
    assert mask(data, CLASSES) == {"id": "C1", "member": "••• (pii)", "amount": "••• (phi)",
                                   "codes": "••• (phi)", "extra": {"x": 1}}
    nested = {"member.name": "pii", "member.plan": "public", "id": "internal"}
    assert mask({"id": "C1", "member": {"name": "Ann", "plan": "gold"}}, nested) == {
        "id": "C1", "member": {"name": "••• (pii)", "plan": "gold"}}


def _seen(**overrides: object) -> TopicObservation:
    base: dict[str, object] = {"topic": "t", "exists": True, "at_ms": 10_000_000, "window_s": 60}
    return TopicObservation(**{**base, **overrides})  # type: ignore[arg-type]


def test_freshness_is_met_within_the_slo_and_breached_beyond(products: list[Product]) -> None:
    claims = next(p for p in products if p.id == "claims.claims")  # SLO 1h
    slo = claims.descriptor.freshness_slo_ms
    met = assess(claims, _seen(last_event_ms=10_000_000 - slo, recent=30, dead_letters=2))
    assert (met.state, met.age_ms, met.events_per_minute, met.dead_letters) == (MET, slo, 30.0, 2)
    assert assess(claims, _seen(last_event_ms=10_000_000 - slo - 1)).state == BREACHED
    assert assess(claims, _seen(window_s=120, recent=30)).events_per_minute == 15.0
    assert assess(claims, _seen()).state == NO_EVENTS
    assert assess(claims, _seen(exists=False)).state == MISSING


@pytest.mark.parametrize(("ms", "text"), [(850, "850ms"), (42_000, "42s"), (185_000, "3m 05s"),
                                          (7_800_000, "2h 10m"), (356_400_000, "4d 3h")])
def test_human_duration(ms: int, text: str) -> None:
    assert human_duration(ms) == text


def test_lineage_graph_has_inputs_consumers_and_groups(products: list[Product]) -> None:
    claims = next(p for p in products if p.id == "claims.claims")
    dot = graph(claims, products, ["member360", 'odd"group'])
    assert '"p:claims.claims" -> "p:care.member_360"' in dot
    assert '"p:claims.claims" -> "g:member360"' in dot
    assert '"g:odd\\"group"' in dot  # quotes escaped: a group name cannot break the DOT text
    member360 = next(p for p in products if p.id == "care.member_360")
    assert '"p:membership.members" -> "p:care.member_360"' in graph(member360, products)
