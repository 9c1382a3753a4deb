"""fastavro's rule for choosing a union branch when writing, reproduced so our bytes equal its bytes.

The rule (fastavro `write_union`): a `(name, value)` tuple names the branch; otherwise the first branch
whose validator accepts the value wins, except that among records the one sharing most fields with the
value wins, and a matching `float` yields to a later `double`. Generated encoders use it at generation
time on probe values (primitive-only unions dispatch on the value's class) and at run time for unions
whose choice depends on the value's content.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastavro.logical_writers import LOGICAL_WRITERS
from fastavro.validation import _validate

from mesh.sdk.codec.schema import NAMED, PRIMITIVES, logical_key, type_of

Selector = Callable[[Any], tuple[int, Any]]

_OPTIONS: dict[str, Any] = {}


def make_selector(branches: Sequence[Any], named: dict[str, Any]) -> Selector:
    """A function value -> (branch index, value to write) that chooses exactly as fastavro does."""

    def select(datum: Any) -> tuple[int, Any]:
        if isinstance(datum, tuple):
            return _by_name(branches, datum)
        best, most_fields, could_be_float = -1, -1, False
        for index, candidate in enumerate(branches):
            if could_be_float:
                if type_of(candidate) == "double":
                    return index, datum
                continue
            if not _validate(datum, candidate, named, "", False, _OPTIONS):
                continue
            kind = type_of(candidate)
            if kind in named:
                candidate = named[kind]
                kind = type_of(candidate)
            if kind == "record":
                key = logical_key(candidate)
                prepared = LOGICAL_WRITERS[key](datum, candidate) if key in LOGICAL_WRITERS else datum
                fields = len({f["name"] for f in candidate["fields"]} & set(prepared))
                if fields > most_fields:
                    best, most_fields = index, fields
            elif kind == "float":
                best, could_be_float = index, True
            else:
                return index, datum
        if best == -1:
            raise ValueError(f"{datum!r} (type {type(datum).__name__}) matches no branch of the union")
        return best, datum

    return select


def _by_name(branches: Sequence[Any], datum: tuple[Any, ...]) -> tuple[int, Any]:
    name, value = datum
    for index, candidate in enumerate(branches):
        kind = type_of(candidate)
        branch_name = candidate["name"] if kind in NAMED and isinstance(candidate, dict) else kind
        if name == branch_name:
            return index, value
    raise ValueError(f"union has no branch named {name!r}")


def is_primitive_union(branches: Sequence[Any]) -> bool:
    """True when every branch is a primitive without a logical type fastavro converts."""
    for branch in branches:
        kind = type_of(branch)
        if kind not in PRIMITIVES or logical_key(branch) in LOGICAL_WRITERS:
            return False
    return True


INT_RANGE = (-(1 << 31), (1 << 31) - 1)
LONG_RANGE = (-(1 << 63), (1 << 63) - 1)

PROBES: dict[str, Any] = {
    "bool": True,
    "int32": 1,
    "int64": 1 << 40,
    "float": 0.5,
    "str": "",
    "bytes": b"",
    "bytearray": bytearray(),
}
"""One value per Python class (and int range) that decides a primitive-only union's branch."""


def probe(select: Selector) -> dict[str, int | None]:
    """Branch chosen for each probe class, None when fastavro would reject that class."""
    chosen: dict[str, int | None] = {}
    for label, value in PROBES.items():
        try:
            chosen[label] = select(value)[0]
        except ValueError:
            chosen[label] = None
    return chosen
