"""The schema-compatibility service: the Confluent Schema Registry REST API for Avro, on a Kafka log.

    app.py          routes (FastAPI), error mapping, lifespan (replay before serving)
    fastpath.py     the hot path: GET /schemas/ids/{id} and repeated register requests
    service.py      operations: validate, append a record, confirm it won
    schemas.py      request schemas parsed with their references; identity fingerprints
    views.py        read-only answers
    state.py        the deterministic state machine that applies log records
    records.py      the records of the `_schemas` topic and their encoding
    store.py        the log protocol + in-memory log;  kafka_store.py: the `_schemas` topic
    models.py       REST request bodies;  errors.py: one error class per Confluent code
    server.py       runs it under uvicorn
"""

from mesh.registry.app import create_app
from mesh.registry.fastpath import CONTENT_TYPE
from mesh.registry.store import InMemoryLog, RecordLog

__all__ = ["CONTENT_TYPE", "InMemoryLog", "RecordLog", "create_app"]
