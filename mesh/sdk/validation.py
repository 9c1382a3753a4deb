"""Why data does not match an Avro schema: the first wrong field's path, the type expected there, the value.

Pure, and only ever run on the failure path (after the encoder refused a record), so it favours clear
messages over speed. Paths look like `adjudication.approved_amount` or `diagnosis_codes[1]`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_INT_RANGE = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_LOGICAL = {
    "decimal": (decimal.Decimal,),
    "date": (dt.date,),
    "timestamp-millis": (dt.datetime,),
    "timestamp-micros": (dt.datetime,),
    "local-timestamp-millis": (dt.datetime,),
    "local-timestamp-micros": (dt.datetime,),
    "time-millis": (dt.time,),
    "time-micros": (dt.time,),
    "uuid": (uuid.UUID, str),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """The first place where data and schema disagree."""

    path: str
    expected: str
    got: Any

    def describe(self) -> str:
        """`field 'a.b' expects int, got 'x' (str)`."""
        return f"field {self.path or '<root>'!r} expects {self.expected}, got {self.got!r} ({type(self.got).__name__})"


def find_problem(schema: Any, datum: Any) -> Problem | None:
    """The first mismatch between `datum` and `schema`, or None when the datum fits."""
    return _Walker(schema).check(schema, datum, "")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Walker:
    def __init__(self, root: Any) -> None:
        self._named: dict[str, Any] = {}
        self._collect(root, None)

    def _collect(self, schema: Any, namespace: str | None) -> None:
        if isinstance(schema, list):
            for branch in schema:
                self._collect(branch, namespace)
            return
        if not isinstance(schema, dict):
            return
        kind = schema.get("type")
        if kind in ("record", "error", "enum", "fixed") and "name" in schema:
            space = schema.get("namespace", namespace)
            name = str(schema["name"])
            full = name if "." in name or not space else f"{space}.{name}"
            self._named[full] = self._named[name] = schema
            for field in schema.get("fields", ()):
                self._collect(field.get("type"), full.rpartition(".")[0] or None)
        elif kind == "array":
            self._collect(schema.get("items"), namespace)
        elif kind == "map":
            self._collect(schema.get("values"), namespace)
        elif isinstance(kind, dict | list):
            self._collect(kind, namespace)

    def check(self, schema: Any, datum: Any, path: str) -> Problem | None:
        if isinstance(schema, str) and schema in self._named:
            schema = self._named[schema]
        if isinstance(schema, list):
            return self._union(schema, datum, path)
        if isinstance(schema, dict):
            kind = schema.get("type")
            logical = schema.get("logicalType")
            if logical in _LOGICAL:
                allowed = _LOGICAL[logical]
                if isinstance(datum, allowed):
                    return None
                if logical != "decimal" and self.check(kind, datum, path) is None:
                    return None  # the underlying int/long/string is accepted as well
                return Problem(path, f"{logical} ({kind})", datum)
            if kind in ("record", "error"):
                if not isinstance(datum, Mapping):
                    return Problem(path, f"record {schema.get('name')}", datum)
                for field in schema.get("fields", ()):
                    name = field["name"]
                    if name not in datum:
                        if "default" in field:
                            continue
                        return Problem(_join(path, name), _describe(field["type"]) + " (missing, no default)", None)
                    problem = self.check(field["type"], datum[name], _join(path, name))
                    if problem:
                        return problem
                return None
            if kind == "enum":
                symbols = schema.get("symbols", [])
                return None if datum in symbols else Problem(path, f"enum {schema.get('name')} {symbols}", datum)
            if kind == "array":
                if not isinstance(datum, list | tuple):
                    return Problem(path, "array", datum)
                for index, item in enumerate(datum):
                    problem = self.check(schema.get("items"), item, f"{path}[{index}]")
                    if problem:
                        return problem
                return None
            if kind == "map":
                if not isinstance(datum, Mapping):
                    return Problem(path, "map", datum)
                for key, item in datum.items():
                    problem = self.check(schema.get("values"), item, f"{path}[{key!r}]")
                    if problem:
                        return problem
                return None
            if kind == "fixed":
                size = schema.get("size")
                ok = isinstance(datum, bytes | bytearray) and len(datum) == size
                return None if ok else Problem(path, f"fixed {schema.get('name')} of {size} bytes", datum)
            return self.check(kind, datum, path)
        return self._primitive(schema, datum, path)

    def _union(self, branches: list[Any], datum: Any, path: str) -> Problem | None:
        problems = [self.check(branch, datum, path) for branch in branches]
        if any(problem is None for problem in problems):
            return None
        # Report the branch that got furthest into the datum (a nested field beats the whole record).
        deepest = max((p for p in problems if p is not None), key=lambda p: len(p.path))
        if deepest.path != path:
            return deepest
        return Problem(path, "one of " + " | ".join(_describe(b) for b in branches), datum)

    @staticmethod
    def _primitive(kind: Any, datum: Any, path: str) -> Problem | None:
        ok = {
            "null": datum is None,
            "boolean": isinstance(datum, bool),
            "int": isinstance(datum, int) and not isinstance(datum, bool),
            "long": isinstance(datum, int) and not isinstance(datum, bool),
            "float": isinstance(datum, int | float) and not isinstance(datum, bool),
            "double": isinstance(datum, int | float) and not isinstance(datum, bool),
            "bytes": isinstance(datum, bytes | bytearray | memoryview),
            "string": isinstance(datum, str),
        }.get(str(kind), True)
        if ok and kind in _INT_RANGE:
            low, high = _INT_RANGE[kind]
            ok = low <= datum <= high
        return None if ok else Problem(path, str(kind), datum)


def _describe(schema: Any) -> str:
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return " | ".join(_describe(b) for b in schema)
    if isinstance(schema, dict):
        if "logicalType" in schema:
            return str(schema["logicalType"])
        name = schema.get("name")
        return f"{schema.get('type')} {name}" if name else str(schema.get("type"))
    return str(schema)
