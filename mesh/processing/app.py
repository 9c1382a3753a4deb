"""The faust app factory: one `faust.App` from `MeshSettings` with settings that keep at-least-once exact.

Choices, each for a reason:

- `processing_guarantee="at_least_once"`: faust's exactly-once mode has open duplicate bugs; processors
  fold idempotently instead, so a redelivered event changes nothing.
- faust flushes its producer before it commits offsets (`Consumer._commit_offsets`), so every output
  and changelog record of an acknowledged event is on the broker before its offset is committed.
  Outputs therefore go through the app's own producer, never a second client.
- agents run at concurrency 1 (the default; faust can commit past an in-flight message above that).
- tables live in memory and are rebuilt from their changelog on start (`store="memory://"`): state grows
  with members, and a restart after SIGKILL replays the changelog.
- `topic_allow_declare=True` lets faust create its own internal and changelog topics (broker
  auto-creation is off); `topic_disable_leader=True` skips the unused leader topic.
- `consumer_auto_offset_reset="earliest"`: a new processor builds its views from the beginning.
- a 10 s session timeout: a crashed worker's partitions move to its replacement within seconds.
- `producer_linger` 0 (faust's default): aiokafka keeps one produce request in flight per broker and
  batches whatever arrives meanwhile, so a linger only adds its delay to every round trip; and a
  resolve that waits for its released events to be delivered waits for it too. Measured A/B with
  `bench/processor_bench.py` (1,000 members, alternated runs): 10 ms -> 0 took the member-360
  worker from 577-586 to 1,176-1,425 input events/s and its p99 at 2,000 events/s from 8.0-9.4 s to
  5.1-5.5 s. (An earlier 10 ms came from a profile, on a machine losing most of its CPU to steal,
  in which socket sends of small requests looked largest: throughput says otherwise.)
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import faust

from mesh.core.errors import ConfigurationError
from mesh.core.settings import MeshSettings

log = logging.getLogger(__name__)


def broker_url(settings: MeshSettings) -> str:
    """faust's `kafka://host:port;host:port` form of the configured bootstrap servers."""
    servers = settings.kafka.bootstrap_servers
    if not servers:
        raise ConfigurationError(
            "No Kafka bootstrap servers are configured for the processor",
            hint="set MESH_KAFKA__BOOTSTRAP_SERVERS=host:port",
        )
    if settings.kafka.security_protocol not in ("PLAINTEXT", "SASL_PLAINTEXT"):
        raise ConfigurationError(
            f"faust processors support PLAINTEXT and SASL_PLAINTEXT brokers, not {settings.kafka.security_protocol}",
            hint="run the processor on Quix Streams (mesh.processing.application), which takes every protocol",
        )
    return ";".join(f"kafka://{server.strip()}" for server in servers.split(",") if server.strip())


def make_app(
    app_id: str,
    *,
    settings: MeshSettings,
    datadir: Path,
    web_port: int = 6066,
    web_host: str = "127.0.0.1",
    replication_factor: int = 1,
    commit_interval_s: float = 1.0,
    producer_linger_s: float = 0.0,
    **overrides: Any,
) -> faust.App:
    """A faust app (consumer group `app_id`) with the at-least-once settings in the module docstring.

    Constructing it touches no network; `overrides` are further faust settings for special cases.
    """
    options: dict[str, Any] = {
        "broker": broker_url(settings),
        "processing_guarantee": "at_least_once",
        "store": "memory://",
        "datadir": str(datadir),
        "topic_allow_declare": True,
        "topic_disable_leader": True,
        "topic_replication_factor": replication_factor,
        "topic_partitions": 1,
        "consumer_auto_offset_reset": "earliest",
        "broker_commit_interval": commit_interval_s,
        "web_enabled": True,
        "web_port": web_port,
        "web_bind": web_host,
        "web_host": web_host,
        "producer_acks": -1,
        "producer_linger": producer_linger_s,
        "table_standby_replicas": 0,
        # a worker killed with SIGKILL holds its partitions until its session expires: keep that short
        "broker_session_timeout": 10.0,
        "broker_heartbeat_interval": 3.0,
    }
    kafka = settings.kafka
    if kafka.security_protocol == "SASL_PLAINTEXT":
        options["broker_credentials"] = faust.SASLCredentials(
            username=kafka.sasl_username or "",
            password=kafka.sasl_password.get_secret_value() if kafka.sasl_password else "",
            mechanism=kafka.sasl_mechanism or "SCRAM-SHA-512",
        )
    options.update(overrides)
    log.info("faust app %s on %s (web %s:%s)", app_id, options["broker"], web_host, web_port)
    app = faust.App(app_id, **options)
    app.task(_quiet_client_logs)
    return app


async def _quiet_client_logs() -> None:
    # A profile of a worker started with `-l warn` showed aiokafka building a debug record for every
    # produce request and response (~8% of the time); keep the client's own loggers at INFO or above.
    for name in ("aiokafka", "kafka"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger().getEffectiveLevel()))
