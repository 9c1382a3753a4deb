"""Compatibility levels: which directions and which live versions each level checks."""

from __future__ import annotations

from typing import Any

import pytest

from mesh.compat import (
    DIRECTIONS,
    NEW_READS_OLD,
    OLD_READS_NEW,
    CompatibilityResult,
    Kind,
    Level,
    ParsedSchema,
    check,
    parse_schema,
)
from mesh.core.errors import SchemaError


def claim(*fields: dict[str, Any]) -> ParsedSchema:
    return parse_schema({"type": "record", "name": "Claim", "namespace": "mesh.claims", "fields": list(fields)})


ID = {"name": "id", "type": "string"}
AMOUNT = {"name": "amount", "type": "long"}
CURRENCY = {"name": "currency", "type": "string"}
CURRENCY_DEFAULT = {"name": "currency", "type": "string", "default": "EUR"}

BASE = claim(ID, AMOUNT)
ADDS_FIELD_NO_DEFAULT = claim(ID, AMOUNT, CURRENCY)  # new cannot read old: backward-incompatible
DROPS_FIELD_NO_DEFAULT = claim(ID)  # old cannot read new: forward-incompatible

# level -> (adding a field without default is ok, dropping a field old readers need is ok)
LEVEL_TABLE: list[tuple[Level, bool, bool]] = [
    (Level.NONE, True, True),
    (Level.BACKWARD, False, True),
    (Level.BACKWARD_TRANSITIVE, False, True),
    (Level.FORWARD, True, False),
    (Level.FORWARD_TRANSITIVE, True, False),
    (Level.FULL, False, False),
    (Level.FULL_TRANSITIVE, False, False),
]


@pytest.mark.parametrize(("level", "add_ok", "drop_ok"), LEVEL_TABLE, ids=[str(row[0]) for row in LEVEL_TABLE])
def test_level_checks_its_directions(level: Level, add_ok: bool, drop_ok: bool) -> None:
    assert check(ADDS_FIELD_NO_DEFAULT, [(1, BASE)], level).is_compatible is add_ok
    assert check(DROPS_FIELD_NO_DEFAULT, [(1, BASE)], level).is_compatible is drop_ok


def test_direction_table_is_complete() -> None:
    assert set(DIRECTIONS) == set(Level)
    assert DIRECTIONS[Level.FULL] == (NEW_READS_OLD, OLD_READS_NEW)


# Transitive levels compare with every live version, the others with the latest only.
V1 = claim(ID, AMOUNT)
V2 = claim(ID, AMOUNT, CURRENCY_DEFAULT)
V3_NEEDS_CURRENCY = claim(ID, AMOUNT, CURRENCY)  # reads v2 data, not v1 data
V1_NEEDS_CURRENCY = claim(ID, AMOUNT, CURRENCY)
V2_DEFAULTS_CURRENCY = claim(ID, AMOUNT, CURRENCY_DEFAULT)
V3_WITHOUT_CURRENCY = claim(ID, AMOUNT)  # v2 reads it (default), v1 does not

TRANSITIVE_TABLE: list[tuple[str, Level, list[tuple[int, ParsedSchema]], ParsedSchema, list[int]]] = [
    ("backward_only_latest", Level.BACKWARD, [(1, V1), (2, V2)], V3_NEEDS_CURRENCY, []),
    ("backward_transitive_all", Level.BACKWARD_TRANSITIVE, [(1, V1), (2, V2)], V3_NEEDS_CURRENCY, [1]),
    ("backward_transitive_ignores_deleted", Level.BACKWARD_TRANSITIVE, [(2, V2)], V3_NEEDS_CURRENCY, []),
    ("forward_only_latest", Level.FORWARD, [(1, V1_NEEDS_CURRENCY), (2, V2_DEFAULTS_CURRENCY)], V3_WITHOUT_CURRENCY, []),
    ("forward_transitive_all", Level.FORWARD_TRANSITIVE, [(1, V1_NEEDS_CURRENCY), (2, V2_DEFAULTS_CURRENCY)],
     V3_WITHOUT_CURRENCY, [1]),
    ("full_transitive_all", Level.FULL_TRANSITIVE, [(1, V1), (2, V2)], V3_NEEDS_CURRENCY, [1]),
    ("full_only_latest", Level.FULL, [(1, V1), (2, V2)], V3_NEEDS_CURRENCY, []),
    ("no_history", Level.FULL_TRANSITIVE, [], V3_NEEDS_CURRENCY, []),
]


@pytest.mark.parametrize(("level", "history", "new", "versions"), [row[1:] for row in TRANSITIVE_TABLE],
                         ids=[row[0] for row in TRANSITIVE_TABLE])
def test_transitive_levels_compare_every_live_version(
    level: Level, history: list[tuple[int, ParsedSchema]], new: ParsedSchema, versions: list[int]
) -> None:
    result = check(new, history, level)
    assert sorted({item.version for item in result.incompatibilities}) == versions


def test_transitive_reports_each_version_newest_first() -> None:
    history = [(1, claim(ID, {"name": "amount", "type": "int"})), (2, claim(ID, {"name": "amount", "type": "int"}))]
    new = claim(ID, {"name": "amount", "type": "string"})
    result = check(new, history, Level.BACKWARD_TRANSITIVE)
    assert [(item.kind, item.version) for item in result.incompatibilities] == [
        (Kind.TYPE_MISMATCH, 2), (Kind.TYPE_MISMATCH, 1)]


def test_paths_point_into_the_new_schema_in_both_directions() -> None:
    old = claim({"name": "amount", "type": "int"})
    new = claim({"name": "note", "type": "string", "default": ""}, {"name": "amount", "type": "string"})
    result = check(new, [(7, old)], Level.FULL)
    assert [(item.kind, item.path, item.version) for item in result.incompatibilities] == [
        (Kind.TYPE_MISMATCH, "/fields/1/type", 7), (Kind.TYPE_MISMATCH, "/fields/1/type", 7)]
    assert "the new schema reads string where version 7 writes int" in result.incompatibilities[0].message
    assert "version 7 reads int where the new schema writes string" in result.incompatibilities[1].message


def test_forward_removed_field_hint_says_keep_it() -> None:
    result = check(DROPS_FIELD_NO_DEFAULT, [(3, BASE)], "FORWARD")
    (item,) = result.incompatibilities
    assert (item.kind, item.path) == (Kind.READER_FIELD_MISSING_DEFAULT_VALUE, "/")
    assert "keep field 'amount'" in item.hint


def test_messages_have_kind_path_version_and_hint() -> None:
    result = check(ADDS_FIELD_NO_DEFAULT, [(4, BASE)], Level.BACKWARD)
    (line,) = result.messages()
    assert line.startswith("READER_FIELD_MISSING_DEFAULT_VALUE at /fields/2 (against version 4):")
    assert 'add "default": "" to field \'currency\'' in line


@pytest.mark.parametrize("name", ["backward", "Full_Transitive", "NONE"])
def test_level_by_name(name: str) -> None:
    assert isinstance(check(BASE, [(1, BASE)], name), CompatibilityResult)


def test_unknown_level_is_an_error() -> None:
    with pytest.raises(SchemaError, match="Unknown compatibility level 'SIDEWAYS'"):
        check(BASE, [(1, BASE)], "SIDEWAYS")
