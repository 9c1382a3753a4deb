"""What producers and consumers import: `Producer`, `Consumer`, `Event` and the failure types.

    producer.py   publish CloudEvents (binary mode, Confluent-framed Avro) to one topic
    consumer.py   consume them (and structured-mode ones), dead-lettering what cannot be handled
    envelope.py   the CloudEvents envelope and its Kafka binding (pure)
    framing.py    the Confluent wire format (pure)
    serde.py      data <-> framed Avro: codec + framing + schema ids
    codec/        schema-specialised Avro encoders/decoders generated per schema, equal to fastavro
    schemas.py    schema ids and writer schemas from the registry, cached
    dlq.py        dead letters: `<topic>.dlq` with the reason in `mesh_*` headers
    jsonvalues.py JSON records to Avro-ready values (`mesh produce` reads JSON lines)
"""

from mesh.sdk.consumer import Consumer
from mesh.sdk.envelope import Event
from mesh.sdk.producer import DeliveryFailure, Producer

__all__ = ["Consumer", "DeliveryFailure", "Event", "Producer"]
