"""Which Kafka the CLI talks to, and proof that it answers before a command starts its work.

`kafka_settings()` is the one place the CLI decides the bootstrap servers: MESH_KAFKA__BOOTSTRAP_SERVERS
when set, else the local broker when `mesh kafka status` would find it (as its admin, whose credentials
the broker keeps in its state directory, unless MESH_KAFKA__SASL_USERNAME names a user). `require_broker()` asks the
cluster for metadata once, so that a down broker is one line naming the address and the fix (exit 2)
within seconds, instead of a 30 s wait, hundreds of librdkafka log lines and a traceback. librdkafka's
own logging stays off unless the user passed `mesh --verbose`.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import confluent_kafka

from mesh.clients import admin, connection_refused
from mesh.clients.refusal import TLS_HINT
from mesh.core.errors import ConfigurationError, KafkaError
from mesh.core.settings import MeshSettings
from mesh.localbroker.credentials import local_settings
from mesh.localbroker.runner import port_open

PROBE_TIMEOUT_S = 6.0
_DOWN = confluent_kafka.KafkaError._ALL_BROKERS_DOWN
_TLS = confluent_kafka.KafkaError._SSL
_GIVE_UP = frozenset({_DOWN, confluent_kafka.KafkaError._AUTHENTICATION,
                      confluent_kafka.KafkaError.SASL_AUTHENTICATION_FAILED})
_FIX = ("start the local broker with `mesh kafka start`, or point MESH_KAFKA__BOOTSTRAP_SERVERS at a running "
        "cluster (`mesh --verbose ...` shows the client's log)")
_LOGIN = ("set MESH_KAFKA__SECURITY_PROTOCOL=SASL_PLAINTEXT, MESH_KAFKA__SASL_MECHANISM=SCRAM-SHA-512, "
          "MESH_KAFKA__SASL_USERNAME and MESH_KAFKA__SASL_PASSWORD (a principal from `mesh access apply`)")
_state = {"verbose": False}


def set_verbose(verbose: bool) -> None:
    """`mesh --verbose`: let librdkafka's log lines through (they are off by default)."""
    _state["verbose"] = verbose


def is_verbose() -> bool:
    """Whether `mesh --verbose` was given."""
    return _state["verbose"]


def kafka_settings(settings: MeshSettings | None = None, *, quiet: bool = True) -> MeshSettings:
    """The settings with the bootstrap servers the CLI uses; clients are quiet (`quiet`) unless --verbose."""
    # on the local broker's machine, without a user of their own: its admin (mesh.localbroker.credentials)
    settings = local_settings(settings or MeshSettings.load())
    kafka = settings.kafka
    if not kafka.bootstrap_servers:
        local = settings.local_broker
        if not port_open(local.host, local.port):
            raise ConfigurationError(
                f"No Kafka bootstrap servers are configured and no local broker runs at {local.bootstrap}",
                hint="start the local broker with `mesh kafka start` or set MESH_KAFKA__BOOTSTRAP_SERVERS=host:port",
            )
        kafka = kafka.model_copy(update={"bootstrap_servers": local.bootstrap})
    if quiet and not is_verbose() and kafka.log_level is None:
        kafka = kafka.model_copy(update={"log_level": 0})
    return settings.model_copy(update={"kafka": kafka})


def connected(*, quiet: bool = True) -> MeshSettings:
    """`kafka_settings()` after `require_broker()`: what a command that talks to Kafka starts with."""
    settings = kafka_settings(quiet=quiet)
    require_broker(settings)
    return settings


def require_broker(settings: MeshSettings, *, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Raise a one-line KafkaError unless a broker at the configured address answers a metadata request."""
    servers = settings.kafka.bootstrap_servers or "?"
    if not any(_accepts(address) for address in servers.split(",")):
        raise KafkaError(f"No Kafka broker listens at {servers} (connection refused or timed out)", hint=_FIX)
    errors: list[confluent_kafka.KafkaError] = []
    client = admin(settings, {"socket.connection.setup.timeout.ms": int(timeout * 1000), "error_cb": errors.append})
    deadline = time.monotonic() + timeout
    problem = f"does not answer within {timeout:.0f} s"
    while time.monotonic() < deadline:
        try:
            if client.list_topics(timeout=1.0).brokers:
                return
        except confluent_kafka.KafkaException as exc:
            problem = f"does not answer within {timeout:.0f} s ({_reason(exc)})"
        client.poll(0)  # serves error_cb
        tls = [r for e in errors if (r := connection_refused(e)) is not None and r.code() == _TLS]
        if tls:  # the certificate is not trusted (or ours not accepted): waiting longer will not help
            raise KafkaError(f"The Kafka cluster at {servers} failed the TLS handshake ({tls[0].str()})",
                             hint=TLS_HINT)
        fatal = [e for e in errors if e.code() in _GIVE_UP]
        if fatal:  # every broker refused us (not Kafka, or authentication): waiting longer will not help
            last = fatal[-1]
            problem = (f"refused authentication ({last.str()[:120]})" if last.code() != _DOWN
                       else "does not answer as a Kafka broker (every connection failed)")
            break
    if settings.kafka.sasl_mechanism is None:
        # the port accepted the connection: a secured broker closes it on a client without credentials
        raise KafkaError(f"The Kafka cluster at {servers} {problem}; it accepts connections, so it probably "
                         "requires a login", hint=_LOGIN)
    raise KafkaError(f"The Kafka cluster at {servers} {problem}", hint=_FIX)


def _accepts(address: str) -> bool:
    """True when host:port accepts a TCP connection within 2 s (an unparsable address: let librdkafka say)."""
    host, _, port = address.strip().rpartition(":")
    if not host or not port.isascii() or not port.isdigit():
        return True
    return port_open(host.strip("[]"), int(port), timeout=2.0)


def _reason(exc: Exception) -> str:
    error = exc.args[0] if exc.args else exc
    text = error.str() if hasattr(error, "str") else str(error)
    return str(text).splitlines()[0][:120]


def registry_url(url: str, *, source: str = "MESH_REGISTRY__URL") -> str:
    """`url` if it is an http(s) URL with a host; else a ConfigurationError naming where it came from."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "mock") or not parts.hostname:  # mock: confluent-kafka's in-memory one
        raise ConfigurationError(
            f"{source} {url!r} is not a schema registry URL",
            hint="give an http(s) URL with a host, e.g. http://127.0.0.1:8081",
        )
    return url
