"""Validation of a schema's JSON before it is used: names, duplicates, defaults, unknown types.

Walks the schema as written (not fastavro's normalized form) so every error carries the JSON-pointer
path of the offending node, e.g. `/fields/2/default`. Accepts exactly what Avro Java 1.12's default
parser accepts (what Confluent's registry parses with), which a differential test checks over
generated schemas (tests/integration/compat/test_avro_java_differential.py). So, as in Java: names are
Unicode letters, digits and '_'; an empty union, an enum without symbols and a record without fields
are legal; an invalid logical type (a decimal with an impossible precision) is ignored, not refused
(`without_invalid_logical_types` drops it before fastavro sees the schema); defaults are checked
by their JSON kind (any string for bytes, fixed and enum).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED = frozenset({"record", "error", "enum", "fixed"})
_ORDERS = frozenset({"ascending", "descending", "ignore"})
MAX_FIXED_SIZE = 2_147_483_639  # the largest array the Java library can read
# what java.lang.Double.parseDouble reads (a string default of a float or double), hex forms aside
_JAVA_DOUBLE = re.compile(r"^[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?))$")
_ASCII_SYMBOL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME_HINT = "names start with a letter or '_' and contain only letters, digits and '_'"
_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)


class InvalidSchema(Exception):
    """A validation failure: what is wrong, where (JSON pointer) and how to fix it."""

    def __init__(self, message: str, path: str, hint: str) -> None:
        self.message, self.path, self.hint = message, path, hint
        super().__init__(f"at {path}: {message}")


def _fail(message: str, path: str, hint: str) -> InvalidSchema:
    return InvalidSchema(message, path or "/", hint)


def name_problem(name: str) -> str | None:
    """Why `name` is not an Avro name for Avro Java (Unicode letters, Nd digits and '_'), or None."""
    if not name:
        return "empty name"
    if not (name[0].isalpha() or name[0] == "_"):
        return f"illegal initial character in {name!r}"
    for char in name[1:]:
        if not (char.isalpha() or char == "_" or unicodedata.category(char) == "Nd"):
            return f"illegal character {char!r} in {name!r}"
    return None


def is_valid_decimal(node: Mapping[str, Any], size: int | None = None) -> bool:
    """Whether a decimal logical type is valid (else Avro Java ignores it: the type stays plain bytes/fixed)."""
    precision: Any = node.get("precision")
    scale: Any = node.get("scale", 0)
    ok = type(precision) is int and precision > 0 and type(scale) is int and 0 <= scale <= precision
    if ok and size is not None:
        ok = size > 0 and precision <= math.floor(math.log10(2 ** (8 * size - 1) - 1))
    return ok and node.get("type") in ("bytes", "fixed")


def without_invalid_logical_types(node: Any) -> Any:
    """`node` as Avro Java reads it: invalid decimal logical types and non-string enum defaults removed."""
    if isinstance(node, list):
        return [without_invalid_logical_types(branch) for branch in node]
    if not isinstance(node, dict):
        return node
    copy = {key: without_invalid_logical_types(value) for key, value in node.items()}
    if copy.get("type") == "enum" and "default" in copy and not isinstance(copy["default"], str):
        del copy["default"]  # Avro Java ignores an enum default that is not a string
    if copy.get("logicalType") == "decimal":
        size = copy.get("size") if copy.get("type") == "fixed" else None
        if not is_valid_decimal(copy, size if type(size) is int else None):
            for key in ("logicalType", "precision", "scale"):
                copy.pop(key, None)
    return copy


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
        """A (possibly dotted) name; as in Avro Java, a leading dot means the null namespace."""
        if not isinstance(name, str) or not name:
            raise _fail(f"{what} must be a non-empty string, got {name!r}", path, f"give the {what} a name")
        space, _, simple = name.rpartition(".")
        parts = [simple, *(space.split(".") if space else [])]
        for part in parts:
            problem = name_problem(part)
            if problem is not None:
                raise _fail(f"invalid {what} {name!r}: {problem}", path, _NAME_HINT + " (dots separate namespace parts)")
        return name

    def _namespace(self, node: Mapping[str, Any], path: str, enclosing: str) -> str:
        namespace = node.get("namespace")
        if not isinstance(namespace, str):  # absent, null or not text: Avro Java reads no namespace
            return enclosing
        if namespace == "":
            return ""
        for part in namespace.split("."):
            problem = name_problem(part)
            if problem is not None:
                raise _fail(f"invalid namespace {namespace!r}: {problem}", _join(path, "namespace"),
                            _NAME_HINT + " (dots separate namespace parts)")
        return namespace

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
        # an empty union is legal (Avro Java accepts it): a field of that type just cannot be written
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
        """Invalid logical types are not errors: Avro Java ignores them (see `without_invalid_logical_types`)."""

    def _define(self, node: dict[str, Any], path: str, namespace: str) -> tuple[str, str]:
        name = self._check_name(node.get("name"), _join(path, "name"), "name")
        own_namespace = self._namespace(node, path, namespace)
        if name.startswith("."):  # Avro Java: a leading dot is the null namespace
            name, own_namespace = name[1:], ""
        fullname, own_namespace = split_fullname(name, own_namespace)
        if fullname in PRIMITIVES:
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
            if not isinstance(alias, str):
                raise _fail(f"alias {alias!r} is not a string", _join(path, "aliases", index), 'e.g. "aliases": ["Old"]')
            self._check_name(alias.lstrip("."), _join(path, "aliases", index), "alias")
        self.defined[fullname] = node
        return fullname, own_namespace

    def _named(self, node: dict[str, Any], path: str, namespace: str) -> None:
        _, own_namespace = self._define(node, path, namespace)
        kind = node["type"]
        if kind == "fixed":
            size = node.get("size")
            if type(size) is not int or not 0 <= size <= MAX_FIXED_SIZE:
                raise _fail(f"fixed size must be an integer in [0, {MAX_FIXED_SIZE}], got {size!r}",
                            _join(path, "size"), 'e.g. "size": 16')
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
            problem = name_problem(symbol) if isinstance(symbol, str) else "not a string"
            if problem is not None:
                raise _fail(f"invalid enum symbol {symbol!r}: {problem}", where,
                            "symbols start with a letter or '_' and contain only letters, digits and '_'")
            if not _ASCII_SYMBOL.match(symbol):  # the one place we are stricter than Avro Java
                raise _fail(f"enum symbol {symbol!r} is not ASCII: Avro Java accepts it, but fastavro (the"
                            " Python codec of every client here) cannot encode it", where,
                            "use ASCII letters, digits and '_' for enum symbols")
            if symbol in seen:
                raise _fail(f"duplicate enum symbol {symbol!r}", where, "list each symbol once")
            seen.add(symbol)
        # Avro Java reads a string default only (anything else is ignored), and it must be a symbol
        if isinstance(node.get("default"), str) and node["default"] not in seen:
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
            problem = name_problem(name) if isinstance(name, str) else "not a string"
            if problem is not None or not isinstance(name, str):
                raise _fail(f"invalid field name {name!r}: {problem}", _join(where, "name"),
                            "field names start with a letter or '_' and contain only letters, digits and '_'")
            if name in seen:
                raise _fail(f"duplicate field name {name!r} (also field {seen[name]})", _join(where, "name"),
                            "rename or remove one of them")
            seen[name] = index
            if "type" not in field:
                raise _fail(f"field {name!r} has no type", where, 'add "type"')
            self.walk(field["type"], _join(where, "type"), namespace)
            aliases = field.get("aliases", [])
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise _fail(f"field {name!r} has invalid aliases {aliases!r}", _join(where, "aliases"),
                            'aliases are a list of field names, e.g. "aliases": ["old_name"]')
            order = field.get("order", "ascending")
            if not isinstance(order, str) or order.lower() not in _ORDERS:
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
        if kind in ("fixed", "enum"):  # Avro Java checks only that it is a string
            return None if isinstance(value, str) else f"{value!r} is not a string"
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


def _is_int_in(bounds: tuple[int, int]) -> Any:
    return lambda value: type(value) is int and bounds[0] <= value <= bounds[1]


def _is_number(value: Any) -> bool:
    # Avro Java also reads a string it can parse as a double ("NaN", "Infinity", "1.5")
    return type(value) in (int, float) or (isinstance(value, str) and _JAVA_DOUBLE.match(value.strip()) is not None)


_SCALAR_CHECKS: Mapping[str, Any] = {
    "null": lambda value: value is None,
    "boolean": lambda value: type(value) is bool,
    "int": _is_int_in(_INT_RANGE),
    "long": _is_int_in(_LONG_RANGE),
    "float": _is_number,
    "double": _is_number,
    "string": lambda value: isinstance(value, str),
    "bytes": lambda value: isinstance(value, str),
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
