"""Schema-specialised Avro codecs: generated once per schema, equal to fastavro, falling back to it."""
