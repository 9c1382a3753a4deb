"""Table values faust keeps as Python objects in memory and writes to the changelog with our own codec.

faust picks a table's value codec from its value *type* only (a model's `_options.serializer`, else
json), both for changelog writes and for decoding the changelog on recovery. `table_value_type`
registers a codec under a name and returns a minimal value type that names it, so

    app.Table("views", key_type=bytes, value_type=table_value_type("views", dumps=..., loads=...))

keeps objects in memory (a read costs no decoding) and writes `dumps(obj)` bytes to the changelog.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from faust.serializers import codecs


class _FunctionCodec(codecs.Codec):
    def __init__(self, dumps: Callable[[Any], bytes], loads: Callable[[bytes], Any]) -> None:
        super().__init__()
        self._dump, self._load = dumps, loads

    def _dumps(self, obj: Any) -> bytes:
        return self._dump(obj)

    def _loads(self, s: bytes) -> Any:
        return self._load(s)


class TableValue:
    """What faust reads of a value type: `_options.serializer`, and `from_data` for decoded values."""

    _options: Any = SimpleNamespace(serializer=None)

    @classmethod
    def from_data(cls, data: Any, *, preferred_type: Any = None) -> Any:
        """The codec already built the object: return it unchanged."""
        return data


def table_value_type(name: str, *, dumps: Callable[[Any], bytes], loads: Callable[[bytes], Any]) -> type[TableValue]:
    """Register codec `name` (dumps/loads) with faust; the value type that makes a table use it."""
    codecs.register(name, _FunctionCodec(dumps, loads))
    return type(f"TableValue[{name}]", (TableValue,), {"_options": SimpleNamespace(serializer=name)})
