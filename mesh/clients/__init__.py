"""Where every Kafka and schema-registry client of the mesh is built from settings (security once).

    kafka_config, producer, consumer, admin    confluent-kafka clients from MeshSettings
    TopicAdmin, TopicSpec, kafka_error         topic listing/creation written once; Kafka errors with hints
    connection_refused, RefusalWatch, watched  TLS or login refused: errors no retry can fix, caught early
    registry_client, call_registry             the registry client and the one error mapping
    ErrorCode                                  Confluent's error codes, shared with the registry server
"""

from mesh.clients.codes import ErrorCode
from mesh.clients.kafka import admin, consumer, kafka_config, producer
from mesh.clients.refusal import RefusalWatch, connection_refused, error_name, kafka_error, watched
from mesh.clients.registry import (
    RegistryUnavailableError,
    call_registry,
    client_url,
    close_client,
    registry_client,
    registry_error,
)
from mesh.clients.topics import TopicAdmin, TopicSpec

__all__ = [
    "ErrorCode",
    "RefusalWatch",
    "RegistryUnavailableError",
    "TopicAdmin",
    "TopicSpec",
    "admin",
    "call_registry",
    "client_url",
    "close_client",
    "connection_refused",
    "consumer",
    "error_name",
    "kafka_config",
    "kafka_error",
    "producer",
    "registry_client",
    "registry_error",
    "watched",
]
