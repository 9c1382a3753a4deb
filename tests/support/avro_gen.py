"""Random Avro schemas near the edges of validity, for the differential test against Avro Java.

Each choice point mostly draws something valid and sometimes one of the ways a schema goes wrong
(or is unusual but legal): names, unions, defaults, decimals, enums, fixed sizes, namespaces,
orders, aliases. Deterministic for a seed.
"""

from __future__ import annotations

import json
import random
from typing import Any

PRIMS = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
GOOD_NAMES = ["A", "b_1", "_x", "Claim", "zZ9"]
ODD_NAMES = ["café", "名前", "1abc", "a-b", "", "a b", "$x", "int", "string", "a.", ".a", "a..b", "Ünïcode",
             "x\u0661", "a$", "record", "null", "é"]


class Gen:
    """One schema per `schema()` call; `flaw` is the chance of an unusual choice at each point."""

    def __init__(self, seed: int, *, flaw: float = 0.08) -> None:
        self.r = random.Random(seed)
        self.flaw = flaw
        self.defined: list[str] = []
        self.counter = 0

    def odd(self) -> bool:
        return self.r.random() < self.flaw

    def name(self) -> str:
        if self.odd():
            return self.r.choice(ODD_NAMES)
        self.counter += 1
        return f"{self.r.choice(GOOD_NAMES)}{self.counter}"

    def schema(self) -> str:
        self.defined, self.counter = [], 0
        node = self.named_record(depth=0) if self.r.random() < 0.85 else self.type(depth=1)
        return json.dumps(node, ensure_ascii=False)

    def type(self, depth: int) -> Any:
        roll = self.r.random()
        if depth > 3 or roll < 0.45:
            return self.prim()
        if roll < 0.55 and self.defined:
            return self.r.choice(self.defined)
        if roll < 0.65:
            return self.union(depth)
        if roll < 0.72:
            return {"type": "array", "items": self.type(depth + 1)} if not self.odd() else {"type": "array"}
        if roll < 0.77:
            return {"type": "map", "values": self.type(depth + 1)} if not self.odd() else {"type": "map"}
        if roll < 0.84:
            return self.enum()
        if roll < 0.89:
            return self.fixed()
        if roll < 0.93:
            return self.decimal()
        return self.named_record(depth + 1)

    def prim(self) -> Any:
        p = self.r.choice(PRIMS)
        if self.odd():
            return self.r.choice([{"type": p}, {"type": {"type": p}}, "Int", "unknown.Type", {"type": p, "x-prop": 1}])
        return p

    def union(self, depth: int) -> list[Any]:
        if self.odd():
            return self.r.choice([[], ["null", "null"], ["null", ["int"]], ["int", "long", "int"],
                                  [{"type": "array", "items": "int"}, {"type": "array", "items": "long"}]])
        n = self.r.randint(1, 3)
        branches: list[Any] = []
        for _ in range(n):
            b = self.type(depth + 1)
            if isinstance(b, list):
                continue
            branches.append(b)
        return branches

    def enum(self) -> dict[str, Any]:
        symbols = ["A", "B", "C"][: self.r.randint(1, 3)]
        if self.odd():
            symbols = self.r.choice([[], ["A", "A"], ["1x"], ["é"], ["a-b"], ["A", ""]])
        node: dict[str, Any] = {"type": "enum", "name": self.name(), "symbols": symbols}
        if self.odd():
            node["default"] = self.r.choice(["A", "Z", 1, None])
        self.defined.append(node["name"])
        return node

    def fixed(self) -> dict[str, Any]:
        size: Any = self.r.randint(0, 16)
        if self.odd():
            size = self.r.choice([-1, 1.5, "4", None, 2**31])
        node = {"type": "fixed", "name": self.name(), "size": size}
        self.defined.append(str(node["name"]))
        return node

    def decimal(self) -> dict[str, Any]:
        precision: Any = self.r.randint(1, 20)
        scale: Any = self.r.randint(0, precision)
        if self.odd():
            precision, scale = self.r.choice([(0, 0), (-1, 0), (4, 5), (4, -1), ("4", 0), (4.5, 1), (40, 2)])
        if self.r.random() < 0.5:
            return {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}
        node = {"type": "fixed", "name": self.name(), "size": self.r.randint(1, 8), "logicalType": "decimal",
                "precision": precision, "scale": scale}
        self.defined.append(str(node["name"]))
        return node

    def named_record(self, depth: int) -> dict[str, Any]:
        node: dict[str, Any] = {"type": self.r.choice(["record", "record", "error"]), "name": self.name()}
        if self.r.random() < 0.3:
            node["namespace"] = self.r.choice(["mesh.test", "", None, "a..b", "1x", "café.ns", "x-y"]
                                              if self.odd() else ["mesh.test", "com.acme"])
        if self.odd():
            node["aliases"] = self.r.choice([["Old"], "Old", ["1bad"], [1]])
        self.defined.append(node["name"] if not node.get("namespace") else f"{node['namespace']}.{node['name']}")
        fields = [self.field(depth) for _ in range(self.r.randint(0 if self.odd() else 1, 4))]
        if self.odd() and fields:
            fields.append(dict(fields[0]))  # duplicate field name
        node["fields"] = fields if not self.odd() else self.r.choice([None, "x", fields])
        if node["fields"] is None:
            del node["fields"]
        return node

    def field(self, depth: int) -> dict[str, Any]:
        t = self.type(depth + 1)
        f: dict[str, Any] = {"name": self.name(), "type": t}
        if self.odd():
            del f["type"]
            return f
        if self.r.random() < 0.35:
            f["default"] = self.default_for(t)
        if self.odd():
            f["order"] = self.r.choice(["ascending", "DESCENDING", "sideways", 1])
        if self.odd():
            f["aliases"] = self.r.choice([["old"], "old", ["1x"]])
        return f

    def default_for(self, t: Any) -> Any:
        """A default that fits `t` most of the time; something near-miss otherwise."""
        if self.odd():
            return self.r.choice([None, 1, 1.5, "x", "\u0101", True, [], {}, 2**31, 2**63, -(2**31) - 1, "AAAA"])
        if isinstance(t, list):
            return self.default_for(t[0]) if t and self.r.random() < 0.7 else self.default_for(self.r.choice(t or [0]))
        if isinstance(t, dict):
            k = t.get("type")
            if k == "array":
                return []
            if k == "map":
                return {}
            if k == "enum":
                return (t.get("symbols") or ["A"])[0]
            if k == "fixed":
                return "a" * t["size"] if isinstance(t.get("size"), int) and 0 <= t["size"] < 100 else "a"
            if k in ("record", "error"):
                return {}
            return self.default_for(k)
        return {"null": None, "boolean": False, "int": 7, "long": 2**40, "float": 1.5, "double": 2,
                "bytes": "\u00ff", "string": "s"}.get(t, None) if isinstance(t, str) else None


def schemas(count: int, *, seed: int = 12) -> list[str]:
    """`count` schema texts (duplicates removed, order kept)."""
    gen = Gen(seed)
    seen: dict[str, None] = {}
    attempts = 0
    while len(seen) < count and attempts < count * 3:
        attempts += 1
        seen.setdefault(gen.schema(), None)
    return list(seen)
