"""Event data to and from Confluent-framed Avro: binds the codec, the framing and schema ids.

`compile_encoder` / `compile_decoder` are `mesh.sdk.codec`'s compiled codecs (C where built, generated
Python otherwise; byte- and value-equal to fastavro, fastavro behind their failure paths). `ValueSerializer` writes the 5-byte frame and the body
in one step; `ValueDeserializer` reads the schema id, finds (and caches) a decoder for it and decodes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from mesh.compat import check_pair, parse_schema
from mesh.core.errors import MeshError, SchemaResolutionError, SerializationError
from mesh.sdk import codec
from mesh.sdk.framing import HEADER_SIZE, frame_prefix, schema_id_of

Encoder = Callable[[Mapping[str, Any]], bytes]
log = logging.getLogger(__name__)

Decoder = Callable[[bytes | memoryview], dict[str, Any]]


def _resolution_problem(
    reader: Mapping[str, Any], writer: Mapping[str, Any], schema_id: int
) -> SchemaResolutionError | None:
    """Avro schema resolution checked once per writer schema, with the compat engine's located messages."""
    problems = check_pair(parse_schema(dict(reader)), parse_schema(dict(writer)))
    if not problems:
        return None
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return SchemaResolutionError(
        f"Data written with schema id {schema_id} ({writer.get('name', '?')}) cannot be read with the reader "
        f"schema ({reader.get('name', '?')}): at {first.path}: {first.message}{more}",
        hint=first.hint or "make the reader schema compatible with the writer's",
    )


def _always(error: MeshError) -> Decoder:
    def fail(body: bytes | memoryview) -> dict[str, Any]:
        raise error

    return fail


# The codec's compiled encoder/decoder (byte- and value-equal to fastavro; fastavro behind its failure path).
compile_encoder: Callable[[Any], Encoder] = codec.compile_encoder
compile_decoder: Callable[..., Decoder] = codec.compile_decoder


class ValueSerializer:
    """Encodes data with one schema and frames it with that schema's id."""

    __slots__ = ("_prefix", "encode", "fast", "schema_id")

    def __init__(self, schema: Any, schema_id: int) -> None:
        self.schema_id = schema_id
        self._prefix = frame_prefix(schema_id)
        self.fast: Encoder
        self.encode: Encoder
        self.fast, self.encode = codec.compile_encoders(schema, prefix=self._prefix)
        # `encode` is the serializer itself, one call level less; `fast` the bare fast path (C or generated)
        # for hot loops (dicts only; whatever it raises means: call `encode`, which converts and diagnoses)

    def __call__(self, data: Mapping[str, Any]) -> bytes:
        """The framed value; `DataValidationError` (field path, expected type) when data does not match."""
        return self.encode(data)


class ValueDeserializer:
    """Decodes framed values with their writer's schema, resolved to an optional reader schema.

    `writer_schema(id)` fetches a writer's schema (the registry, cached there); decoders are cached by id
    and read the whole framed payload from offset 5.
    """

    def __init__(
        self, writer_schema: Callable[[int], Mapping[str, Any]], *, reader_schema: Mapping[str, Any] | None = None
    ) -> None:
        self._writer_schema = writer_schema
        self._reader_schema = reader_schema
        self._decoders: dict[int, Decoder] = {}
        self._by_frame: dict[bytes, Decoder] = {}

    def __call__(self, payload: bytes | memoryview) -> dict[str, Any]:
        """Decoded data; FramingError, UnknownSchemaError, SchemaResolutionError or SerializationError."""
        if type(payload) is not bytes:
            payload = bytes(payload)
        # Decoders are found by the whole 5-byte frame (magic byte included) and read the body in
        # place (offset 5): no slice of the body, no separate magic-byte check on the hot path.
        decode = self._by_frame.get(payload[:HEADER_SIZE])
        if decode is None:
            decode = self._frame_decoder(payload)
        try:
            return decode(payload)
        except MeshError:
            raise
        except Exception as exc:
            raise self._decode_error(schema_id_of(payload), payload, exc) from exc

    def _frame_decoder(self, payload: bytes) -> Decoder:
        schema_id = schema_id_of(payload)  # raises FramingError showing what it saw
        decode = self._decoders.get(schema_id) or self._decoder(schema_id)
        self._by_frame[frame_prefix(schema_id)] = decode
        return decode

    def _decoder(self, schema_id: int) -> Decoder:
        writer = self._writer_schema(schema_id)
        if self._reader_schema is not None:
            problem = _resolution_problem(self._reader_schema, writer, schema_id)
            if problem is not None:
                # Every payload of this writer id fails the same way: remember that, off the hot path.
                self._decoders[schema_id] = _always(problem)
                raise problem
        try:
            decoder = compile_decoder(writer, self._reader_schema, offset=HEADER_SIZE)
        except MeshError:
            raise
        except Exception as exc:
            raise SchemaResolutionError(
                f"Writer schema id {schema_id} cannot be read with the reader schema: {exc}",
                hint="the producer's schema is not compatible with this consumer's; ask for a compatible "
                "evolution or upgrade the consumer's reader schema",
            ) from exc
        self._decoders[schema_id] = decoder
        return decoder

    def _decode_error(self, schema_id: int, payload: bytes | memoryview, exc: Exception) -> MeshError:
        if type(exc).__name__ == "SchemaResolutionError":
            return SchemaResolutionError(
                f"Data written with schema id {schema_id} cannot be resolved to the reader schema: {exc}",
                hint="the writer's schema is not compatible with this consumer's reader schema",
            )
        return SerializationError(
            f"Avro body of {len(payload)} bytes does not decode with writer schema id {schema_id}: "
            f"{type(exc).__name__}: {exc}",
            hint="the payload was not written with the schema its id names, or it is corrupt",
        )
