"""A tiny source builder for generated codecs: indented lines, fresh local names, bound constants.

Constants (tables, schema nodes, fastavro functions) are bound into the generated module's namespace
under generated names, so the emitted code only ever refers to globals and locals.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Source:
    """Accumulates generated Python source and the namespace it will run in."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.lines: list[str] = []
        self._finished: list[list[str]] = []
        self.namespace = dict(namespace)
        self._depth = 0
        self._counter = itertools.count()
        self._constants: dict[int, str] = {}

    def line(self, text: str) -> None:
        """Append one line at the current indentation."""
        self.lines.append("    " * self._depth + text)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        """`with src.block("if x:"):` emits the header and indents what is emitted inside."""
        self.line(header)
        self._depth += 1
        mark = len(self.lines)
        try:
            yield
        finally:
            if len(self.lines) == mark:
                self.line("pass")
            self._depth -= 1

    def var(self, prefix: str = "v") -> str:
        """A fresh local variable name."""
        return f"{prefix}{next(self._counter)}"

    def const(self, value: Any, prefix: str = "K") -> str:
        """Bind `value` into the namespace once and return the global name that refers to it."""
        key = id(value)
        if key in self._constants:
            return self._constants[key]
        name = f"_{prefix}{next(self._counter)}"
        self.namespace[name] = value
        self._constants[key] = name
        # keep the object alive so id() stays unique for the lifetime of this builder
        self.namespace.setdefault("_keep", []).append(value)
        return name

    @contextmanager
    def function(self, header: str) -> Iterator[None]:
        """Emit a top-level function: code emitted inside goes to its own indented block."""
        saved_depth, saved_lines = self._depth, self.lines
        self._depth, self.lines = 0, []
        try:
            with self.block(header):
                yield
        finally:
            self._finished.append(self.lines)
            self._depth, self.lines = saved_depth, saved_lines

    def build(self, filename: str) -> dict[str, Any]:
        """Compile and execute the source; returns the namespace holding the generated functions."""
        text = "\n".join(line for chunk in self._finished for line in chunk) + "\n"
        code = compile(text, filename, "exec")
        exec(code, self.namespace)  # noqa: S102 - generated from a schema, never from user data
        self.namespace["__source__"] = text
        return self.namespace
