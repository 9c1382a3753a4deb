"""Differential test against the `avro` package's checker (avro.compatibility) on generated pairs.

Both engines must give the same verdict. Where they legitimately differ, the difference is listed in
KNOWN_DIFFERENCES: each entry says why, and carries a `neutralize` rewrite of the pair that removes
exactly that difference; a disagreement is explained only if, after that rewrite, both engines agree.
Any other disagreement fails the test.
"""

from __future__ import annotations

import copy
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import avro.compatibility
import avro.schema
import fastavro
import pytest
from hypothesis import HealthCheck, event, given, settings

from mesh.compat import check_pair, parse_schema
from tests.unit.compat.generators import schema_pairs

Pair = tuple[Any, Any]  # (reader, writer) raw JSON


def ours_compatible(reader: Any, writer: Any) -> bool:
    return not check_pair(parse_schema(reader), parse_schema(writer))


def avro_compatible(reader: Any, writer: Any) -> bool:
    checker = avro.compatibility.ReaderWriterCompatibilityChecker()
    result = checker.get_compatibility(avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer)))
    return bool(result.compatibility is avro.compatibility.SchemaCompatibilityType.compatible)


def _walk_named(node: Any, namespace: str, visit: Callable[[dict[str, Any], str], None]) -> None:
    """Call `visit(definition, its namespace)` for every named type defined inline in `node`."""
    if isinstance(node, list):
        for branch in node:
            _walk_named(branch, namespace, visit)
    elif isinstance(node, dict):
        if node["type"] in ("record", "enum", "fixed"):
            namespace = node.get("namespace", namespace)
            if "." in node["name"]:
                namespace = node["name"].rpartition(".")[0]
            visit(node, namespace)
        for key in ("items", "values"):
            if key in node:
                _walk_named(node[key], namespace, visit)
        for field in node.get("fields", ()):
            _walk_named(field["type"], namespace, visit)


def strip_decimals(pair: Pair) -> Pair:
    """Turn every decimal into its underlying bytes/fixed type, in both schemas."""
    def strip(node: Any) -> Any:
        if isinstance(node, list):
            return [strip(branch) for branch in node]
        if not isinstance(node, dict):
            return node
        node = {key: strip(value) for key, value in node.items()} if node.get("type") != "enum" else dict(node)
        if "fields" in node:
            node["fields"] = [{**field, "type": strip(field["type"])} for field in node["fields"]]
        if node.get("logicalType") == "decimal":
            node = {key: value for key, value in node.items() if key not in ("logicalType", "precision", "scale")}
        return node
    return strip(pair[0]), strip(pair[1])


def qualify_reader_aliases(pair: Pair) -> Pair:
    """Write the reader's named-type aliases as fullnames, as the spec reads them."""
    reader = copy.deepcopy(pair[0])

    def visit(definition: dict[str, Any], namespace: str) -> None:
        if "aliases" in definition:
            definition["aliases"] = [alias if "." in alias or not namespace else f"{namespace}.{alias}"
                                     for alias in definition["aliases"]]
    _walk_named(reader, "", visit)
    return reader, pair[1]


def _fullname(node: dict[str, Any], namespace: str) -> str:
    if "." in node["name"]:
        return str(node["name"])
    own = node.get("namespace", namespace)
    return f"{own}.{node['name']}" if own else str(node["name"])


def exact_union_branches_first(pair: Pair) -> Pair:
    """In the reader's unions, move named branches whose fullname the writer also defines to the front."""
    writer_names: set[str] = set()
    _walk_named(pair[1], "", lambda definition, namespace: writer_names.add(_fullname(definition, namespace)))

    def reorder(node: Any, namespace: str) -> Any:
        if isinstance(node, list):
            branches = [reorder(branch, namespace) for branch in node]
            exact = [b for b in branches if isinstance(b, dict) and b.get("type") in ("record", "enum", "fixed")
                     and _fullname(b, namespace) in writer_names]
            return exact + [b for b in branches if not any(b is e for e in exact)]
        if not isinstance(node, dict):
            return node
        node = dict(node)
        if node["type"] in ("record", "enum", "fixed"):
            namespace = _fullname(node, namespace).rpartition(".")[0]
        for key in ("items", "values"):
            if key in node:
                node[key] = reorder(node[key], namespace)
        if "fields" in node:
            node["fields"] = [{**field, "type": reorder(field["type"], namespace)} for field in node["fields"]]
        return node

    return reorder(copy.deepcopy(pair[0]), ""), pair[1]


@dataclass(frozen=True)
class KnownDifference:
    """A justified difference between this engine and avro.compatibility."""

    name: str
    why: str
    ours: bool  # our verdict (compatible?) when this difference shows
    neutralize: Callable[[Pair], Pair]
    unaffected: str  # the engine ("ours" or "avro") whose verdict the rewrite must not change


KNOWN_DIFFERENCES = [
    KnownDifference(
        "decimal_precision_scale",
        "The Avro 1.12 spec says two decimals match only if precision and scale match; avro.compatibility"
        " ignores logical types and compares only bytes/fixed. We report DECIMAL_MISMATCH.",
        ours=False,
        neutralize=strip_decimals,
        unaffected="avro",
    ),
    KnownDifference(
        "unqualified_named_type_alias",
        "The spec says an unqualified alias of a named type is relative to that type's namespace;"
        " avro.compatibility compares the reader's aliases as written with the writer's fullname, so"
        ' "aliases": ["Old"] in namespace gen does not match gen.Old there. We accept it (as Java does).',
        ours=True,
        neutralize=qualify_reader_aliases,
        unaffected="ours",
    ),
    KnownDifference(
        "first_matching_union_branch",
        "The spec resolves a writer value against the FIRST reader union branch that matches it (by"
        " unqualified name for named types), and fastavro decodes exactly that way; avro.compatibility"
        " accepts the union if ANY branch is compatible. With two named branches of the same unqualified"
        " name, we report the first one's problems, which fastavro would hit at read time.",
        ours=False,
        neutralize=exact_union_branches_first,
        unaffected="avro",
    ),
]


def explain(reader: Any, writer: Any, ours: bool, theirs: bool) -> KnownDifference | None:
    """The known difference that accounts for a disagreement, or None when none does."""
    for difference in KNOWN_DIFFERENCES:
        if difference.ours != ours or theirs == ours:
            continue
        fixed_reader, fixed_writer = difference.neutralize((reader, writer))
        if ours_compatible(fixed_reader, fixed_writer) == avro_compatible(fixed_reader, fixed_writer):
            return difference
    return None


@settings(max_examples=int(os.environ.get("COMPAT_EXAMPLES", "100")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pair=schema_pairs())
def test_same_verdict_as_avro_compatibility_or_known_difference(pair: tuple[Any, Any]) -> None:
    writer, reader = pair
    ours, theirs = ours_compatible(reader, writer), avro_compatible(reader, writer)
    if ours == theirs:
        event("agree: compatible" if ours else "agree: incompatible")
        return
    difference = explain(reader, writer, ours, theirs)
    assert difference is not None, (
        f"unexplained disagreement: ours={ours} avro={theirs}\nreader={json.dumps(reader)}\nwriter={json.dumps(writer)}"
    )
    event(f"known difference: {difference.name}")


def rec(name: str, *fields: tuple[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": [{"name": n, "type": t} for n, t in fields], **extra}


DECIMAL_10_2 = {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}
DECIMAL_12_2 = {**DECIMAL_10_2, "precision": 12}

# Each known difference, shown once on a fixed pair: (difference, reader, writer).
EXAMPLES = [
    ("decimal_precision_scale", rec("R", ("a", DECIMAL_12_2)), rec("R", ("a", DECIMAL_10_2))),
    ("unqualified_named_type_alias", rec("New", ("a", "int"), namespace="gen", aliases=["Old"]),
     rec("Old", ("a", "int"), namespace="gen")),
    ("first_matching_union_branch",
     rec("Holder", ("value", [rec("a.Item", ("x", "int")), rec("b.Item", ("x", "long"))])),
     rec("Holder", ("value", rec("b.Item", ("x", "long"))))),
]


@pytest.mark.parametrize(("name", "reader", "writer"), EXAMPLES, ids=[example[0] for example in EXAMPLES])
def test_known_difference_is_real_and_explained(name: str, reader: Any, writer: Any) -> None:
    ours, theirs = ours_compatible(reader, writer), avro_compatible(reader, writer)
    assert ours != theirs
    difference = explain(reader, writer, ours, theirs)
    assert difference is not None and difference.name == name


@given(pair=schema_pairs())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_neutralizers_only_remove_their_difference(pair: tuple[Any, Any]) -> None:
    """A rewrite must not change the verdict of the engine that already behaves the rewritten way."""
    writer, reader = pair
    for difference in KNOWN_DIFFERENCES:
        fixed_reader, fixed_writer = difference.neutralize((reader, writer))
        unaffected = ours_compatible if difference.unaffected == "ours" else avro_compatible
        assert unaffected(fixed_reader, fixed_writer) == unaffected(reader, writer), difference.name


def test_generated_pairs_cover_both_verdicts() -> None:
    verdicts: set[bool] = set()

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(pair=schema_pairs())
    def collect(pair: tuple[Any, Any]) -> None:
        verdicts.add(ours_compatible(pair[1], pair[0]))

    collect()
    assert verdicts == {True, False}



def test_first_matching_union_branch_is_what_fastavro_decodes_with() -> None:
    """The justification of `first_matching_union_branch`: fastavro picks the first branch and fails."""
    reader_raw, writer_raw = EXAMPLES[2][1], EXAMPLES[2][2]
    reader, writer = parse_schema(reader_raw), parse_schema(writer_raw)
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, writer.parsed, {"value": {"x": 2**40}})
    buffer.seek(0)
    with pytest.raises(fastavro.read.SchemaResolutionError):
        fastavro.schemaless_reader(buffer, writer.parsed, reader.parsed)
