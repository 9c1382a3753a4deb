"""Schema-specialised Avro codecs: generated once per schema, equal to fastavro, falling back to it.

    encode = compile_encoder(schema)            # dict or pydantic model -> Avro body bytes
    decode = compile_decoder(writer, reader)    # Avro body -> dict (reader optional: resolution)

Encoded bytes equal `fastavro.schemaless_writer`'s; decoded values equal `fastavro.schemaless_reader`'s
with default options. Invalid data raises `DataValidationError` (field path, expected type); undecodable
bytes raise `DecodingError`. No framing here: the Confluent wire format lives elsewhere in the SDK.
"""

from mesh.sdk.codec.decoding import Decoder, compile_decoder
from mesh.sdk.codec.encoding import Encoder, compile_encoder, compile_encoders

__all__ = ["Decoder", "Encoder", "compile_decoder", "compile_encoder", "compile_encoders"]
