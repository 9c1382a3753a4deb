"""The local broker's configuration files, rendered from settings (pure: no I/O).

One place for the single-node KRaft settings; docker-compose.yml mirrors them as KAFKA_* variables and
`tests/unit/localbroker/test_config.py` checks that the two agree.
"""

from __future__ import annotations

from pathlib import Path

from mesh.core.settings import LocalBrokerSettings

# Settings that make a single node behave: replication factors and min ISR of 1 (transactions and
# consumer groups fail on one node otherwise), no initial rebalance delay, and no topic auto-creation
# (products are provisioned on purpose; Quix Streams creates its internal topics explicitly).
SINGLE_NODE_PROPERTIES: dict[str, str] = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
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


def server_properties(settings: LocalBrokerSettings, data_dir: Path) -> dict[str, str]:
    """The broker's server.properties as a dict, listeners bound to the configured host and ports."""
    host = settings.host
    props = dict(SINGLE_NODE_PROPERTIES)
    props.update(
        {
            "controller.quorum.voters": f"1@{host}:{settings.controller_port}",
            "listeners": f"PLAINTEXT://{host}:{settings.port},CONTROLLER://{host}:{settings.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{host}:{settings.port}",
            "log.dirs": str(data_dir),
        }
    )
    return props


def render_properties(props: dict[str, str]) -> str:
    """Java properties text, one `key=value` a line, sorted for stable diffs."""
    return "".join(f"{key}={value}\n" for key, value in sorted(props.items()))


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
