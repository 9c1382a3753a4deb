"""Strict validation of a schema's JSON before it is used: names, duplicates, defaults, unknown types.

Walks the schema as written (not fastavro's normalized form) so every error carries the JSON-pointer
path of the offending node, e.g. `/fields/2/default`. Follows the Avro 1.12 specification; where the
specification is lenient and a mistake is likely (decimals with impossible precision, empty unions)
it is stricter, and says so in the error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED = frozenset({"record", "error", "enum", "fixed"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ORDERS = frozenset({"ascending", "descending", "ignore"})
_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)


class InvalidSchema(Exception):
    """A validation failure: what is wrong, where (JSON pointer) and how to fix it."""

    def __init__(self, message: str, path: str, hint: str) -> None:
        self.message, self.path, self.hint = message, path, hint
        super().__init__(f"at {path}: {message}")


def _fail(message: str, path: str, hint: str) -> InvalidSchema:
    return InvalidSchema(message, path or "/", hint)


def _join(path: str, *segments: object) -> str:
    return path + "".join(f"/{segment}" for segment in segments)


def split_fullname(name: str, namespace: str) -> tuple[str, str]:
    """(fullname, namespace of that fullname) for `name` written inside `namespace`."""
    if "." in name:
        return name, name.rpartition(".")[0]
    return (f"{namespace}.{name}" if namespace else name), namespace


class Validator:
    """Validates one schema; `known` holds the named types of its references (fullname -> definition)."""

    def __init__(self, known: Mapping[str, Any]) -> None:
        self.known = known
        self.defined: dict[str, Any] = {}

    # -- names -------------------------------------------------------------------------------------

    def _check_name(self, name: object, path: str, what: str) -> str:
        if not isinstance(name, str) or not name:
            raise _fail(f"{what} must be a non-empty string, got {name!r}", path, f"give the {what} a name")
        for part in name.split("."):
            if not _NAME.match(part):
                raise _fail(
                    f"invalid {what} {name!r}",
                    path,
                    "names start with a letter or '_' and contain only letters, digits and '_'"
                    " (dots separate namespace parts)",
                )
        return name

    def _namespace(self, node: Mapping[str, Any], path: str, enclosing: str) -> str:
        if "namespace" not in node or node["namespace"] is None:
            return enclosing
        namespace = node["namespace"]
        if namespace == "":
            return ""
        return self._check_name(namespace, _join(path, "namespace"), "namespace")

    def lookup(self, name: str, namespace: str) -> tuple[str, Any] | None:
        """(fullname, definition) of the named type `name` used inside `namespace`, or None."""
        candidates = [split_fullname(name, namespace)[0]] + ([name] if "." not in name else [])
        for candidate in candidates:
            for table in (self.defined, self.known):
                if candidate in table:
                    return candidate, table[candidate]
        return None

    # -- types -------------------------------------------------------------------------------------

    def walk(self, node: Any, path: str, namespace: str) -> None:
        """Validate the type `node` found at `path`, inside `namespace`."""
        if isinstance(node, str):
            if node in PRIMITIVES:
                return
            if self.lookup(node, namespace) is None:
                raise _fail(
                    f"unknown type {node!r}",
                    path,
                    "define the named type before using it, qualify it with its namespace,"
                    " or add a schema reference to the subject that defines it",
                )
            return
        if isinstance(node, list):
            self._union(node, path, namespace)
            return
        if not isinstance(node, dict):
            raise _fail(
                f"a schema must be a type name, an object or a union array, got {node!r}",
                path,
                'write e.g. "string", {"type": "array", "items": "long"} or ["null", "string"]',
            )
        if "type" not in node:
            raise _fail('missing "type"', path, 'add "type", e.g. "record", "enum", "array" or a primitive')
        kind = node["type"]
        if not isinstance(kind, str):
            raise _fail(
                f'"type" must be a string, got {kind!r}',
                _join(path, "type"),
                'nest the schema in a field type instead, e.g. {"name": "x", "type": ["null", "int"]}',
            )
        if kind in PRIMITIVES:
            self._logical(node, path)
        elif kind in _NAMED:
            self._named(node, path, namespace)
        elif kind == "array":
            self._require(node, "items", path)
            self.walk(node["items"], _join(path, "items"), namespace)
        elif kind == "map":
            self._require(node, "values", path)
            self.walk(node["values"], _join(path, "values"), namespace)
        else:
            self.walk(kind, _join(path, "type"), namespace)

    def _require(self, node: Mapping[str, Any], key: str, path: str) -> None:
        if key not in node:
            raise _fail(f'{node["type"]} schema without "{key}"', path, f'add "{key}"')

    def _union(self, branches: list[Any], path: str, namespace: str) -> None:
        if not branches:
            raise _fail("empty union: no value can be written", path, 'list at least one type, e.g. ["null"]')
        seen: dict[str, int] = {}
        for index, branch in enumerate(branches):
            where = _join(path, index)
            if isinstance(branch, list):
                raise _fail("a union may not directly contain another union", where, "merge the branches")
            self.walk(branch, where, namespace)
            key = self.branch_key(branch, namespace)
            if key in seen:
                raise _fail(
                    f"duplicate union branch {key!r} (also branch {seen[key]})",
                    where,
                    "a union may hold each primitive, array and map once, named types once per name",
                )
            seen[key] = index

    def branch_key(self, node: Any, namespace: str) -> str:
        """What makes union branches distinct: the type for unnamed types, the fullname for named ones."""
        if isinstance(node, str):
            if node in PRIMITIVES:
                return node
            found = self.lookup(node, namespace)
            return found[0] if found is not None else node
        kind = node["type"]
        if kind in _NAMED:
            return split_fullname(node["name"], self._namespace(node, "", namespace))[0]
        if kind in PRIMITIVES or kind in ("array", "map"):
            return str(kind)
        return self.branch_key(kind, namespace)

    def _logical(self, node: Mapping[str, Any], path: str, size: int | None = None) -> None:
        if node.get("logicalType") != "decimal":
            return
        precision: Any = node.get("precision")
        scale: Any = node.get("scale", 0)
        ok = type(precision) is int and precision > 0 and type(scale) is int and 0 <= scale <= precision
        if ok and size is not None:
            ok = precision <= math.floor(math.log10(2 ** (8 * size - 1) - 1)) if size > 0 else False
        if node["type"] not in ("bytes", "fixed") or not ok:
            raise _fail(
                f"invalid decimal: precision {precision!r}, scale {scale!r} on {node['type']}",
                path,
                "a decimal is bytes or fixed with an integer precision > 0 and 0 <= scale <= precision"
                " (and a fixed large enough for the precision)",
            )

    def _define(self, node: dict[str, Any], path: str, namespace: str) -> tuple[str, str]:
        name = self._check_name(node.get("name"), _join(path, "name"), "name")
        own_namespace = self._namespace(node, path, namespace)
        fullname, own_namespace = split_fullname(name, own_namespace)
        if fullname.rpartition(".")[2] in PRIMITIVES:
            raise _fail(f"a named type may not be called {name!r}", _join(path, "name"), "rename it")
        if fullname in self.defined or fullname in self.known:
            raise _fail(
                f"named type {fullname!r} is defined twice",
                _join(path, "name"),
                "define it once and refer to it by name afterwards",
            )
        aliases = node.get("aliases", [])
        if not isinstance(aliases, list):
            raise _fail('"aliases" must be a list of names', _join(path, "aliases"), 'e.g. "aliases": ["Old"]')
        for index, alias in enumerate(aliases):
            self._check_name(alias, _join(path, "aliases", index), "alias")
        self.defined[fullname] = node
        return fullname, own_namespace

    def _named(self, node: dict[str, Any], path: str, namespace: str) -> None:
        _, own_namespace = self._define(node, path, namespace)
        kind = node["type"]
        if kind == "fixed":
            size = node.get("size")
            if type(size) is not int or size < 0:
                raise _fail(f"fixed size must be an integer >= 0, got {size!r}", _join(path, "size"),
                            'e.g. "size": 16')
            self._logical(node, path, size)
        elif kind == "enum":
            self._enum(node, path)
        else:
            self._record(node, path, own_namespace)

    def _enum(self, node: Mapping[str, Any], path: str) -> None:
        symbols = node.get("symbols")
        if not isinstance(symbols, list):
            raise _fail('enum without a "symbols" list', _join(path, "symbols"), 'add "symbols": ["A", "B"]')
        seen: set[str] = set()
        for index, symbol in enumerate(symbols):
            where = _join(path, "symbols", index)
            if not isinstance(symbol, str) or not _NAME.match(symbol):
                raise _fail(f"invalid enum symbol {symbol!r}", where,
                            "symbols start with a letter or '_' and contain only letters, digits and '_'")
            if symbol in seen:
                raise _fail(f"duplicate enum symbol {symbol!r}", where, "list each symbol once")
            seen.add(symbol)
        if "default" in node and node["default"] not in seen:
            raise _fail(f"enum default {node['default']!r} is not one of its symbols", _join(path, "default"),
                        "use one of " + ", ".join(map(str, symbols)))

    def _record(self, node: Mapping[str, Any], path: str, namespace: str) -> None:
        fields = node.get("fields")
        if not isinstance(fields, list):
            raise _fail('record without a "fields" list', _join(path, "fields"), 'add "fields": [...]')
        seen: dict[str, int] = {}
        for index, field in enumerate(fields):
            where = _join(path, "fields", index)
            if not isinstance(field, dict):
                raise _fail(f"a field must be an object, got {field!r}", where,
                            'write {"name": "...", "type": ...}')
            name = field.get("name")
            if not isinstance(name, str) or not _NAME.match(name):
                raise _fail(f"invalid field name {name!r}", _join(where, "name"),
                            "field names start with a letter or '_' and contain only letters, digits and '_'")
            if name in seen:
                raise _fail(f"duplicate field name {name!r} (also field {seen[name]})", _join(where, "name"),
                            "rename or remove one of them")
            seen[name] = index
            if "type" not in field:
                raise _fail(f"field {name!r} has no type", where, 'add "type"')
            self.walk(field["type"], _join(where, "type"), namespace)
            aliases = field.get("aliases", [])
            if not isinstance(aliases, list) or not all(isinstance(a, str) and _NAME.match(a) for a in aliases):
                raise _fail(f"field {name!r} has invalid aliases {aliases!r}", _join(where, "aliases"),
                            'aliases are a list of field names, e.g. "aliases": ["old_name"]')
            if "order" in field and field["order"] not in _ORDERS:
                raise _fail(f"invalid order {field['order']!r}", _join(where, "order"),
                            "use ascending, descending or ignore")
            if "default" in field:
                problem = self.default_problem(field["type"], field["default"], namespace)
                if problem is not None:
                    raise _fail(f"invalid default for field {name!r}: {problem}", _join(where, "default"),
                                "make the default a JSON value of the field's type (for a union: of one"
                                " of its branches, usually null with \"null\" listed first)")

    # -- defaults ----------------------------------------------------------------------------------

    def default_problem(self, node: Any, value: Any, namespace: str) -> str | None:
        """Why `value` is not a valid JSON default for type `node`, or None when it is."""
        if isinstance(node, list):
            if any(self.default_problem(branch, value, namespace) is None for branch in node):
                return None
            return f"{value!r} matches no branch of the union"
        if isinstance(node, str) and node not in PRIMITIVES:
            found = self.lookup(node, namespace)
            if found is None:
                return f"unknown type {node!r}"
            namespace = found[0].rpartition(".")[0]
            node = found[1]
        if isinstance(node, dict) and node["type"] not in PRIMITIVES and node["type"] not in _NAMED \
                and node["type"] not in ("array", "map"):
            return self.default_problem(node["type"], value, namespace)
        kind = node if isinstance(node, str) else node["type"]
        if isinstance(node, dict) and kind in _NAMED:
            own = node["namespace"] if node.get("namespace") is not None else namespace
            namespace = split_fullname(node["name"], own)[1]
        checker = _SCALAR_CHECKS.get(kind)
        if checker is not None:
            return None if checker(value) else f"{value!r} is not a valid {kind}"
        if kind == "fixed":
            ok = isinstance(value, str) and len(value) == node["size"] and _is_latin1(value)
            return None if ok else f"{value!r} is not a string of {node['size']} characters in U+0000..U+00FF"
        if kind == "enum":
            return None if value in node["symbols"] else f"{value!r} is not a symbol of {node['name']}"
        if kind == "array":
            if not isinstance(value, list):
                return f"{value!r} is not a JSON array"
            return _first(self.default_problem(node["items"], item, namespace) for item in value)
        if kind == "map":
            if not isinstance(value, dict):
                return f"{value!r} is not a JSON object"
            return _first(self.default_problem(node["values"], item, namespace) for item in value.values())
        if not isinstance(value, dict):
            return f"{value!r} is not a JSON object for record {node['name']}"
        for field in node["fields"]:
            if field["name"] in value:
                problem = self.default_problem(field["type"], value[field["name"]], namespace)
                if problem is not None:
                    return f"field {field['name']!r}: {problem}"
            elif "default" not in field:
                return f"field {field['name']!r} of record {node['name']} is missing and has no default"
        return None


def _is_latin1(value: str) -> bool:
    return all(ord(char) <= 0xFF for char in value)


def _is_int_in(bounds: tuple[int, int]) -> Any:
    return lambda value: type(value) is int and bounds[0] <= value <= bounds[1]


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


_SCALAR_CHECKS: Mapping[str, Any] = {
    "null": lambda value: value is None,
    "boolean": lambda value: type(value) is bool,
    "int": _is_int_in(_INT_RANGE),
    "long": _is_int_in(_LONG_RANGE),
    "float": _is_number,
    "double": _is_number,
    "string": lambda value: isinstance(value, str),
    "bytes": lambda value: isinstance(value, str) and _is_latin1(value),
}


def _first(problems: Any) -> str | None:
    for problem in problems:
        if problem is not None:
            return str(problem)
    return None


def validate(schema: Any, *, known: Mapping[str, Any]) -> Sequence[str]:
    """Validate `schema` strictly; returns the fullnames it defines, raises `InvalidSchema` otherwise."""
    validator = Validator(known)
    validator.walk(schema, "", "")
    return list(validator.defined)
