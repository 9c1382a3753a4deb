"""One error tree for the whole mesh; every message says what failed, on which input, and what to do.

    MeshError                         root; `message` + `hint`, printed by the CLI without a traceback
    ├── ConfigurationError            a setting or argument is wrong (MESH_* variables, CLI options)
    ├── LocalBrokerError              the local Kafka runner: java missing, download failed, port busy, ...
    ├── KafkaError                    a Kafka operation failed (admin, produce, consume); carries the cause
    │   └── DeliveryError             messages the broker did not acknowledge, with their reasons
    ├── SchemaError                   an Avro schema is invalid or cannot be used
    │   ├── SchemaParseError          invalid Avro, with the path inside the schema
    │   ├── IncompatibleSchemaError   a schema breaks its subject's compatibility level
    │   └── SchemaResolutionError     data written with one schema cannot be read with the reader's schema
    ├── SerializationError            an event cannot be encoded or decoded
    │   ├── FramingError              bad Confluent wire framing (magic byte, truncated payload)
    │   ├── EventFormatError          not a valid CloudEvent (missing/invalid ce_* attribute)
    │   ├── DataValidationError       data does not match its schema: field path and expected type
    │   └── DecodingError             an Avro body cannot be decoded (truncated, garbage, unresolvable)
    ├── RegistryError                 the schema registry answered with an error (HTTP status + Confluent code)
    │   ├── UnknownSchemaError        client side: no schema with that id / under that subject (404)
    │   └── SubjectNotFoundError, IncompatibleError, InvalidSchemaError, ...  (one per Confluent code: mesh.registry.errors)
    ├── DescriptorError               a data product descriptor is invalid: file and field
    │   └── UnclassifiedFieldError    a field of a product's schema has no classification (a deploy-gate ERROR)
    ├── ProvisioningError             `mesh products apply` refused a change Kafka cannot make safely
    ├── ProcessingError               a stream processor cannot handle one event (dead-lettered with this reason)
    └── GovernanceError               a deploy-time check could not run (not a finding: findings are data)

Names end in `Error`; data lives in attributes so callers never parse messages.
"""

from __future__ import annotations

from collections.abc import Sequence


class MeshError(Exception):
    """Root of every error the mesh raises on purpose.

    `message` says what failed and on which input; `hint` says what to do about it.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}. {self.hint[:1].upper()}{self.hint[1:]}"
        return self.message


class ConfigurationError(MeshError):
    """A setting, environment variable or command-line option is missing or wrong."""


class LocalBrokerError(MeshError):
    """The local Kafka broker could not be installed, started, reached or stopped."""

    def __init__(self, message: str, *, hint: str | None = None, log_tail: Sequence[str] = ()) -> None:
        self.log_tail = tuple(log_tail)
        super().__init__(message, hint=hint)

    def __str__(self) -> str:
        text = super().__str__()
        if self.log_tail:
            text += "\nLast broker log lines:\n" + "\n".join(f"  {line}" for line in self.log_tail)
        return text


class KafkaError(MeshError):
    """A Kafka client operation failed; `cause` keeps the client's own error."""

    def __init__(self, message: str, *, hint: str | None = None, cause: object | None = None) -> None:
        self.cause = cause
        super().__init__(message, hint=hint)


class DeliveryError(KafkaError):
    """One or more messages were not acknowledged by the broker.

    `failures` holds (topic, key, reason) for every failed message, so nothing is lost silently.
    """

    def __init__(self, failures: Sequence[tuple[str, bytes | str | None, str]], *, hint: str | None = None) -> None:
        self.failures = tuple(failures)
        first = self.failures[0] if self.failures else ("?", None, "?")
        super().__init__(
            f"{len(self.failures)} message(s) were not delivered; first: topic {first[0]!r} key {first[1]!r}: {first[2]}",
            hint=hint or "check that the topic exists and the broker is reachable, then publish them again",
        )


class SchemaError(MeshError):
    """An Avro schema is invalid or cannot be used."""


class SchemaParseError(SchemaError):
    """A schema is not valid Avro; `path` locates the problem inside the schema (e.g. `Claim.lines[].amount`)."""

    def __init__(self, message: str, *, path: str = "", hint: str | None = None, source: str | None = None) -> None:
        self.path = path
        self.source = source
        where = "".join(
            [f"{source}: " if source else "", f"at {path}: " if path else ""]
        )
        super().__init__(f"{where}{message}", hint=hint)


class IncompatibleSchemaError(SchemaError):
    """A schema breaks its subject's compatibility level; `problems` lists each finding as text."""

    def __init__(self, subject: str, problems: Sequence[str], *, hint: str | None = None) -> None:
        self.subject = subject
        self.problems = tuple(problems)
        super().__init__(
            f"Schema for subject {subject!r} is incompatible: " + "; ".join(self.problems),
            hint=hint,
        )


class SerializationError(MeshError):
    """An event could not be encoded or decoded."""


class FramingError(SerializationError):
    """A payload is not in the Confluent wire format (magic byte 0, 4-byte schema id, body)."""


class EventFormatError(SerializationError):
    """A Kafka message is not a valid CloudEvent in binary or structured mode."""


class DataValidationError(SerializationError):
    """Data does not match its schema; `path` is the field path, `expected` the Avro type expected there."""

    def __init__(self, message: str, *, path: str = "", expected: str = "", hint: str | None = None) -> None:
        self.path = path
        self.expected = expected
        super().__init__(message, hint=hint)


class DecodingError(SerializationError):
    """An Avro body could not be decoded with its writer (and reader) schema: truncated, garbage, unresolvable."""


class RegistryError(MeshError):
    """The schema registry refused a request; carries the HTTP status and the Confluent error code."""

    http_status: int = 500
    error_code: int = 50001
    server_message: str = ""
    """The registry's own `message` when the error is an answer from a registry (client side)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)


class DescriptorError(MeshError):
    """A data product descriptor is invalid; `file` and `field` say where."""

    def __init__(self, file: str, field: str, problem: str, *, hint: str | None = None) -> None:
        self.file = file
        self.field = field
        self.problem = problem
        super().__init__(f"{file}: field '{field}': {problem}", hint=hint)


class UnclassifiedFieldError(DescriptorError):
    """A field of one of a product's event schemas has no classification (public ... phi)."""


class ProvisioningError(MeshError):
    """Provisioning refused to apply a plan; `refusals` holds (target, problem, hint) per refused change."""

    def __init__(self, refusals: Sequence[tuple[str, str, str]]) -> None:
        self.refusals = tuple(refusals)
        target, problem, hint = self.refusals[0] if self.refusals else ("?", "?", "")
        more = f" (and {len(self.refusals) - 1} more)" if len(self.refusals) > 1 else ""
        super().__init__(f"Refused to provision: {target} {problem}{more}; nothing was changed", hint=hint)


class ProcessingError(MeshError):
    """A stream processor cannot handle one event (e.g. its local ID never resolves); it is dead-lettered."""


class GovernanceError(MeshError):
    """A deploy-time check could not run at all (findings themselves are data, not exceptions)."""


class SchemaResolutionError(SchemaError):
    """Data written with the writer's schema cannot be resolved to the reader's schema (Avro resolution)."""


class UnknownSchemaError(RegistryError):
    """Client side: the registry has no schema with the id a payload names, or none under a subject."""

    http_status = 404
    error_code = 40403
