"""The local broker's configuration files, rendered from settings (pure: no I/O).

One place for the single-node KRaft settings; docker-compose.yml mirrors them as KAFKA_* variables and
`tests/unit/localbroker/test_config.py` checks that the two agree.

Security (secure by default): the client listener `CLIENT` is SASL_PLAINTEXT with SCRAM-SHA-512 only;
the broker talks to itself (inter-broker: transaction markers) over it as the admin principal, whose
SCRAM credential is written into the metadata at format time (`--add-scram`, KIP-900). The controller
listener cannot use SCRAM (SCRAM users live in the metadata it serves), so it uses PLAIN with the same
admin user in a static JAAS list: no anonymous super user anywhere. KRaft's StandardAuthorizer denies
whatever no ACL allows; `admin` is the only super user.

TLS (optional, `tls_port`): a third listener `TLS`, SASL_SSL with the same SCRAM logins. Its key and
certificate chain go inline as PEM (`ssl.keystore.type=PEM`, `ssl.keystore.key`/`.certificate.chain`):
Kafka accepts an unencrypted PKCS#8 key that way, while a PEM keystore *file* demands a key password.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mesh.core.settings import LocalBrokerSettings

# Settings that make a single node behave: replication factors and min ISR of 1 (transactions and
# consumer groups fail on one node otherwise), no initial rebalance delay, and no topic auto-creation
# (products are provisioned on purpose; Quix Streams creates its internal topics explicitly).
SINGLE_NODE_PROPERTIES: dict[str, str] = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "CLIENT",
    "listener.security.protocol.map": "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
    "sasl.enabled.mechanisms": "SCRAM-SHA-512",
    "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
    "sasl.mechanism.controller.protocol": "PLAIN",
    "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
    "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "allow.everyone.if.no.acl.found": "false",
    "num.partitions": "1",
    "default.replication.factor": "1",
    "min.insync.replicas": "1",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "10",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "10",
    "group.initial.rebalance.delay.ms": "0",
    "auto.create.topics.enable": "false",
    "log.retention.hours": "168",
    "log.segment.bytes": "104857600",
    "log.cleaner.enable": "true",
    "delete.topic.enable": "true",
}


ADMIN_USER = "admin"
"""The local broker's super user (also the registry's admin)."""


def _jaas(module: str, user: str, password: str, *, users: bool = False) -> str:
    listed = f' user_{user}="{password}"' if users else ""
    return f'{module} required username="{user}" password="{password}"{listed};'


@dataclass(frozen=True)
class TlsMaterial:
    """The TLS listener's PEM texts, read from the files `LocalBrokerSettings` names."""

    certificate_chain: str
    key: str
    key_password: str | None = None

    def __repr__(self) -> str:
        return "TlsMaterial(certificate_chain=..., key=***)"


def server_properties(settings: LocalBrokerSettings, data_dir: Path, *, admin_password: str,
                      tls: TlsMaterial | None = None) -> dict[str, str]:
    """The broker's server.properties as a dict, listeners bound to the configured host and ports.

    Holds the admin password (controller JAAS) and the TLS key if any: write it with mode 0600.
    """
    host = settings.host
    scram_jaas = _jaas("org.apache.kafka.common.security.scram.ScramLoginModule", ADMIN_USER, admin_password)
    props = dict(SINGLE_NODE_PROPERTIES)
    props.update(
        {
            "controller.quorum.voters": f"1@{host}:{settings.controller_port}",
            "listeners": f"CLIENT://{host}:{settings.port},CONTROLLER://{host}:{settings.controller_port}",
            "advertised.listeners": f"CLIENT://{host}:{settings.port}",
            "log.dirs": str(data_dir),
            "super.users": f"User:{ADMIN_USER}",
            "listener.name.client.scram-sha-512.sasl.jaas.config": scram_jaas,
            "listener.name.controller.plain.sasl.jaas.config": _jaas(
                "org.apache.kafka.common.security.plain.PlainLoginModule", ADMIN_USER, admin_password, users=True),
        }
    )
    if settings.tls_port is not None:
        if tls is None:
            raise ValueError("a TLS listener needs its TlsMaterial")  # the runner always reads it
        props["listeners"] += f",TLS://{host}:{settings.tls_port}"
        props["advertised.listeners"] += f",TLS://{host}:{settings.tls_port}"
        props["listener.security.protocol.map"] += ",TLS:SASL_SSL"
        props["listener.name.tls.scram-sha-512.sasl.jaas.config"] = scram_jaas
        props["listener.name.tls.ssl.keystore.type"] = "PEM"
        props["listener.name.tls.ssl.keystore.certificate.chain"] = tls.certificate_chain.strip()
        props["listener.name.tls.ssl.keystore.key"] = tls.key.strip()
        if tls.key_password is not None:
            props["listener.name.tls.ssl.key.password"] = tls.key_password
        props["listener.name.tls.ssl.client.auth"] = "none"  # clients prove who they are with SCRAM
    return props


def scram_bootstrap(admin_password: str) -> str:
    """The `kafka-storage format --add-scram` argument that creates the admin's SCRAM credential."""
    return f"SCRAM-SHA-512=[name={ADMIN_USER},password={admin_password}]"


def render_properties(props: dict[str, str]) -> str:
    """Java properties text, one `key=value` a line, sorted for stable diffs (PEM's newlines escaped)."""
    return "".join(f"{key}={_escape(value)}\n" for key, value in sorted(props.items()))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def log4j_properties(log_dir: Path) -> str:
    """reload4j configuration: everything to a rolling server.log, quiet noisy loggers."""
    return "\n".join(
        [
            "log4j.rootLogger=INFO, file",
            "log4j.appender.file=org.apache.log4j.RollingFileAppender",
            f"log4j.appender.file.File={log_dir / 'server.log'}",
            "log4j.appender.file.MaxFileSize=20MB",
            "log4j.appender.file.MaxBackupIndex=3",
            "log4j.appender.file.layout=org.apache.log4j.PatternLayout",
            "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n",
            "log4j.logger.kafka.request.logger=WARN",
            "log4j.logger.org.apache.kafka.clients.NetworkClient=WARN",
            "log4j.logger.kafka.log.LogCleaner=INFO",
            "",
        ]
    )
