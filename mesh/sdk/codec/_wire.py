"""Avro binary primitives that generated codecs call: varint tables, slow paths, struct objects.

Generated code inlines the common case (one- or two-byte varints through a table lookup) and calls
the functions here only for rare values, so the happy path stays free of calls and checks.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, NoReturn

TABLE_SIZE = 16384
"""Zig-zag values below this are encoded by one table lookup (all one- and two-byte varints)."""

LEN_TABLE_SIZE = TABLE_SIZE // 2

_LONG_MIN, _LONG_MAX = -(1 << 63), (1 << 63) - 1
_INT_MIN, _INT_MAX = -(1 << 31), (1 << 31) - 1


def _uvarint(z: int) -> bytes:
    out = bytearray()
    while z > 0x7F:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


VARINT: tuple[bytes, ...] = tuple(_uvarint(z) for z in range(TABLE_SIZE))
"""VARINT[z] is the varint of the (already zig-zagged) value z."""

LENGTH: tuple[bytes, ...] = tuple(VARINT[n << 1] for n in range(LEN_TABLE_SIZE))
"""LENGTH[n] is the Avro long n (n >= 0), as written before strings, bytes and block counts."""

CHUNK: tuple[bytes, ...] = tuple(bytes(((c & 0x7F) | 0x80, (c >> 7) | 0x80)) for c in range(TABLE_SIZE))
"""CHUNK[c] is 14 bits of a longer varint as its two continuation bytes: a zig-zag value z >= 2**14 is
CHUNK[z & 0x3FFF] followed by the varint of z >> 14. Dates (3 bytes) and epoch-millisecond timestamps
(6 bytes) are two or three lookups instead of a loop."""

TWO_CHUNKS = 1 << 28
"""Zig-zag values below this are at most CHUNK + VARINT; every 32-bit Avro int is below 1 << 32."""
THREE_CHUNKS = 1 << 42
"""Zig-zag values below this are at most CHUNK + CHUNK + VARINT (epoch milliseconds until year 71,700)."""

PACK_FLOAT = struct.Struct("<f").pack
PACK_DOUBLE = struct.Struct("<d").pack
UNPACK_FLOAT = struct.Struct("<f").unpack_from
UNPACK_DOUBLE = struct.Struct("<d").unpack_from


def write_long(n: int) -> bytes:
    """Encode a long outside the table range; raises on values a 64-bit long cannot hold."""
    z = (n << 1) ^ (n >> 63)
    if 16384 <= z < 2097152:  # exactly three bytes: days since 1970 and other mid-sized numbers
        return bytes(((z & 0x7F) | 0x80, ((z >> 7) & 0x7F) | 0x80, z >> 14))
    if not _LONG_MIN <= n <= _LONG_MAX:
        raise OverflowError(f"{n} does not fit in a 64-bit Avro long")
    return _uvarint(z)


def write_int(n: int) -> bytes:
    """Encode an int outside the table range; raises on values a 32-bit Avro int cannot hold."""
    if not _INT_MIN <= n <= _INT_MAX:
        raise OverflowError(f"{n} does not fit in a 32-bit Avro int")
    return write_long(n)


def write_length(n: int) -> bytes:
    """Encode a non-negative length or block count outside the table range."""
    return _uvarint(n << 1)


def check_sequence(value: Any) -> Sequence[Any]:
    """Accept what fastavro accepts as an array (any non-string sequence); raise otherwise."""
    if isinstance(value, (str, bytes, bytearray)) or not isinstance(value, Sequence):
        import array

        if not isinstance(value, array.array):
            raise TypeError(f"expected a list, got {type(value).__name__}")
    return value  # type: ignore[no-any-return]


def check_union_sequence(value: Any) -> Sequence[Any]:
    """Like `check_sequence`, but tuples inside unions mean fastavro's (type name, value) notation."""
    if isinstance(value, tuple):
        raise TypeError("tuple in a union: (type name, value) notation goes through fastavro")
    return check_sequence(value)


def check_mapping(value: Any) -> Any:
    """Accept any Mapping as an Avro map (fastavro does); raise otherwise."""
    from collections.abc import Mapping

    if not isinstance(value, Mapping):
        raise TypeError(f"expected a dict, got {type(value).__name__}")
    return value


def read_long(buf: bytes, p: int, b: int) -> tuple[int, int]:
    """Finish reading a varint whose first byte `b` (>= 0x80) was at p - 1; returns (value, next p)."""
    n = b & 0x7F
    shift = 7
    while True:
        b = buf[p]
        p += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return (n >> 1) ^ -(n & 1), p
        shift += 7
        if shift > 70:
            raise ValueError("varint longer than 10 bytes")


def read_length(buf: bytes, p: int, b: int) -> tuple[int, int]:
    """Read a string/bytes length whose first byte `b` was at p - 1; rejects negative lengths."""
    if b < 0x80:
        n = (b >> 1) ^ -(b & 1)
    else:
        n, p = read_long(buf, p, b)
    if n < 0:
        raise ValueError(f"negative length {n}")
    return n, p


def bad_index(kind: str, index: int) -> NoReturn:
    """Raise for a union branch or enum index outside the schema."""
    raise ValueError(f"{kind} index {index} is outside the schema")


# Items that take no bytes (null, an empty record, fixed(0)) cannot be checked against the data left: a
# hostile count of them would allocate gigabytes. One value may hold at most this many (the C decoder's
# EMPTY_ITEMS_LIMIT is the same number).
EMPTY_ITEMS_LIMIT = 4_194_304


def too_many_empty_items(count: int) -> NoReturn:
    """Raise for an array whose items take no bytes beyond the value's limit (decoding.py refuses it)."""
    raise MemoryError(f"an array holds over {EMPTY_ITEMS_LIMIT} items that take no bytes (a block of {count}): "
                      "refused, a corrupt or hostile count")


def fail(message: str) -> NoReturn:
    """Raise a resolution failure found at generation time when the data actually reaches it."""
    raise LookupError(message)
