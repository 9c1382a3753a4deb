"""Kafka errors as one-line `KafkaError`s with a hint by error code, and set-up refusals caught early.

`kafka_error(action, exc)` turns a confluent-kafka failure into a `KafkaError` whose hint says what to
do (which grant is missing, which setting to check).

Connection set-up errors that no retry can fix (TLS not trusted, login refused): librdkafka retries
every connection failure forever, so a client that does not trust the broker's certificate, or whose
password is wrong, would wait out its timeouts and then say only that nothing was delivered. `RefusalWatch` is an `error_cb` that remembers the first such error, so the SDK can
stop at once with one line naming the cause (`raise_if_refused`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import confluent_kafka

from mesh.core.errors import KafkaError

TLS_HINT = ("set MESH_KAFKA__SSL_CA_LOCATION to the PEM CA that signed the broker's certificate, and connect by "
            "a name the certificate holds")

_HINTS = {
    "TOPIC_AUTHORIZATION_FAILED": "this principal has no grant on the topic: ask its owner to add you as a "
    "consumer in the product descriptor and run `mesh products apply`",
    "CLUSTER_AUTHORIZATION_FAILED": "only the admin principal may do this: run it as admin or ask the platform team",
    "GROUP_AUTHORIZATION_FAILED": "this principal may not use that consumer group: use a group prefixed with "
    "your team's name",
    "TRANSACTIONAL_ID_AUTHORIZATION_FAILED": "this principal may not use that transactional id",
    "SASL_AUTHENTICATION_FAILED": "the broker refused the user name or password: check MESH_KAFKA__SASL_USERNAME "
    "and MESH_KAFKA__SASL_PASSWORD",
    "_AUTHENTICATION": "the broker refused the credentials: check MESH_KAFKA__SASL_USERNAME and "
    "MESH_KAFKA__SASL_PASSWORD",
    "_SSL": TLS_HINT,
}


def kafka_error(action: str, exc: BaseException) -> KafkaError:
    """One `KafkaError` for a failed Kafka operation, with a hint chosen by the broker's error code."""
    cause = exc.args[0] if isinstance(exc, confluent_kafka.KafkaException) and exc.args else exc
    name = cause.name() if isinstance(cause, confluent_kafka.KafkaError) else type(exc).__name__
    text = cause.str() if isinstance(cause, confluent_kafka.KafkaError) else str(exc)
    hint = _HINTS.get(name, "check that the broker runs, MESH_KAFKA__* settings and this principal's grants")
    return KafkaError(f"Cannot {action}: {name}: {text}", hint=hint, cause=cause)


def error_name(exc: BaseException) -> str:
    """The Kafka error name (e.g. `TOPIC_ALREADY_EXISTS`) inside a `KafkaException`, else the type name."""
    cause = exc.args[0] if isinstance(exc, confluent_kafka.KafkaException) and exc.args else None
    return cause.name() if isinstance(cause, confluent_kafka.KafkaError) else type(exc).__name__


_SETUP_REFUSALS = frozenset({confluent_kafka.KafkaError._SSL, confluent_kafka.KafkaError._AUTHENTICATION,
                             confluent_kafka.KafkaError.SASL_AUTHENTICATION_FAILED})


def connection_refused(error: confluent_kafka.KafkaError) -> confluent_kafka.KafkaError | None:
    """`error` (as `_SSL` when it is a failed TLS handshake) if no retry can help: TLS or login refused.

    librdkafka reports a certificate it cannot verify first as `_TRANSPORT`, then as `_SSL`; both mean
    the client does not trust the broker (or the broker not the client), which waiting will not change.
    """
    text = error.str()
    tls = error.code() == confluent_kafka.KafkaError._SSL or (
        error.code() == confluent_kafka.KafkaError._TRANSPORT and ("SSL" in text or "certificate" in text))
    if tls:
        return confluent_kafka.KafkaError(confluent_kafka.KafkaError._SSL, tls_reason(text))
    return error if error.code() in _SETUP_REFUSALS else None


def tls_reason(text: str) -> str:
    """librdkafka's TLS error on one line, without the broker's address and the advice for other set-ups."""
    text = text.splitlines()[0] if text else text
    if text.startswith(("ssl://", "sasl_ssl://")) and ": " in text:
        text = text.split(": ", 1)[1]
    return text.split(", verify that", 1)[0][:200]


class RefusalWatch:
    """An `error_cb` recording the first refusal; passes every error on to `chained` (the user's) too."""

    def __init__(self, chained: Callable[[confluent_kafka.KafkaError], Any] | None = None) -> None:
        self.refused: confluent_kafka.KafkaError | None = None
        self._chained = chained

    def __call__(self, error: confluent_kafka.KafkaError) -> None:
        if self.refused is None:
            self.refused = connection_refused(error)
        if self._chained is not None:
            self._chained(error)

    def raise_if_refused(self, action: str) -> None:
        """Raise a one-line `KafkaError` ("Cannot <action>: _SSL: ...") once a refusal was seen."""
        if self.refused is not None:
            raise kafka_error(action, confluent_kafka.KafkaException(self.refused))


def watched(config: dict[str, Any]) -> RefusalWatch:
    """Put a `RefusalWatch` in `config` as its `error_cb` (keeping one already there) and return it."""
    watch = RefusalWatch(config.get("error_cb"))
    config["error_cb"] = watch
    return watch


