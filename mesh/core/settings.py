"""Settings for every mesh component: one `MeshSettings`, read once at the edge (the CLI, a fixture).

Environment variables use the `MESH_` prefix and `__` for nesting, for example
`MESH_KAFKA__BOOTSTRAP_SERVERS=127.0.0.1:9092` or `MESH_REGISTRY__URL=http://127.0.0.1:8081`.
Library code receives settings objects; it never reads `os.environ` itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mesh.core.errors import ConfigurationError

ClientConfig = dict[str, str | int | float | bool]
"""A librdkafka configuration dict, as confluent-kafka clients take it."""

KAFKA_VERSION = "3.9.2"
SCALA_VERSION = "2.13"


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "mesh"


class KafkaSettings(BaseModel):
    """How clients reach Kafka."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bootstrap_servers: str | None = Field(
        default=None,
        description="An existing cluster, host:port[,host:port]. Unset means: use the local broker.",
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_ca_location: Path | None = Field(default=None, description="PEM CA bundle that signed the brokers (SSL/SASL_SSL).")
    ssl_certificate_location: Path | None = Field(default=None, description="PEM client certificate (mutual TLS).")
    ssl_key_location: Path | None = Field(default=None, description="PEM private key of the client certificate.")
    ssl_key_password: SecretStr | None = None
    client_id: str = "mesh"
    log_level: int | None = Field(
        default=None, ge=0, le=7,
        description="librdkafka's log level (syslog 0-7); unset keeps its default (6). The CLI sets 0 "
        "so that a down broker is one error line, not hundreds of client log lines.",
    )

    def client_config(self, bootstrap_servers: str | None = None) -> ClientConfig:
        """The librdkafka configuration dict shared by producers, consumers and admin clients."""
        servers = bootstrap_servers or self.bootstrap_servers
        if not servers:
            raise ConfigurationError(
                "No Kafka bootstrap servers are configured",
                hint="set MESH_KAFKA__BOOTSTRAP_SERVERS=host:port or start the local broker with `mesh kafka start`",
            )
        conf: ClientConfig = {
            "bootstrap.servers": servers,
            "security.protocol": self.security_protocol,
            "client.id": self.client_id,
        }
        if self.log_level is not None:
            conf["log_level"] = self.log_level
        if self.sasl_mechanism:
            conf["sasl.mechanism"] = self.sasl_mechanism
            conf["sasl.username"] = self.sasl_username or ""
            conf["sasl.password"] = self.sasl_password.get_secret_value() if self.sasl_password else ""
        if self.security_protocol in ("SSL", "SASL_SSL"):
            for key, path in (("ssl.ca.location", self.ssl_ca_location),
                              ("ssl.certificate.location", self.ssl_certificate_location),
                              ("ssl.key.location", self.ssl_key_location)):
                if path is not None:
                    conf[key] = str(path)
            if self.ssl_key_password is not None:
                conf["ssl.key.password"] = self.ssl_key_password.get_secret_value()
        return conf


class RegistrySettings(BaseModel):
    """Where the schema registry (ours or any Confluent-compatible one) answers, and how ours stores."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = "http://127.0.0.1:8081"
    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=1, le=65535)
    schemas_topic: str = "_schemas"
    group_id: str = "mesh-registry"
    default_compatibility: str = "BACKWARD"
    username: str | None = Field(default=None, description="HTTP Basic user (a mesh principal); None: anonymous.")
    password: SecretStr | None = None
    users_file: Path | None = Field(
        default=None, description="Our registry: users with password hashes (`mesh access apply` writes it); "
        "set means every request needs HTTP Basic credentials. None: open (unit tests only).")


class LocalBrokerSettings(BaseModel):
    """The single-node KRaft broker that `mesh kafka start` runs on this machine's JVM."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=9092, ge=1, le=65535)
    controller_port: int = Field(default=9093, ge=1, le=65535)
    kafka_version: str = KAFKA_VERSION
    scala_version: str = SCALA_VERSION
    cache_dir: Path = Field(default_factory=_default_cache_dir, description="Jars, downloaded once.")
    state_dir: Path | None = Field(
        default=None, description="Data, logs and pid file; defaults to <cache_dir>/broker-<port>."
    )
    heap: str = "512m"
    start_timeout_s: float = Field(default=90.0, gt=0)
    java: str = "java"
    maven: str = "mvn"
    tls_port: int | None = Field(
        default=None, ge=1, le=65535,
        description="Also listen with SASL_SSL (TLS + SCRAM) on this port; needs the TLS certificate and key.",
    )
    tls_certificate_location: Path | None = Field(
        default=None, description="PEM certificate chain of the TLS listener (the broker's first, then intermediates).")
    tls_key_location: Path | None = Field(default=None, description="PEM PKCS#8 private key of that certificate.")
    tls_key_password: SecretStr | None = Field(default=None, description="Password of the key, if it is encrypted.")

    @model_validator(mode="after")
    def _tls_complete(self) -> LocalBrokerSettings:
        if self.tls_port is not None and (self.tls_certificate_location is None or self.tls_key_location is None):
            raise ValueError("tls_port needs tls_certificate_location and tls_key_location (PEM files): set "
                             "MESH_LOCAL_BROKER__TLS_CERTIFICATE_LOCATION and MESH_LOCAL_BROKER__TLS_KEY_LOCATION")
        if self.tls_port is not None and self.tls_port in (self.port, self.controller_port):
            raise ValueError(f"tls_port {self.tls_port} is already the client or controller port: choose another")
        return self

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def tls_bootstrap(self) -> str | None:
        """host:port of the SASL_SSL listener, None without one."""
        return None if self.tls_port is None else f"{self.host}:{self.tls_port}"

    @property
    def resolved_state_dir(self) -> Path:
        return self.state_dir or self.cache_dir / f"broker-{self.port}"


class CatalogSettings(BaseModel):
    """The web catalog (`mesh catalog serve`): where it listens and how much it reads per page view."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8085, ge=1, le=65535)
    samples: int = Field(default=5, ge=0, le=100, description="Latest events shown per product page.")
    rate_window_s: int = Field(default=60, ge=1, description="Window of the events-per-minute figure.")
    dot: str = Field(default="dot", description="The Graphviz `dot` executable that lays out lineage.")


class MeshSettings(BaseSettings):
    """All mesh settings; build once with `MeshSettings.load()` at the edge and pass down."""

    model_config = SettingsConfigDict(
        env_prefix="MESH_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    kafka: KafkaSettings = KafkaSettings()
    registry: RegistrySettings = RegistrySettings()
    local_broker: LocalBrokerSettings = LocalBrokerSettings()
    catalog: CatalogSettings = CatalogSettings()

    def client_env(self) -> dict[str, str]:
        """The MESH_* variables that give a child process these Kafka and registry client settings."""
        env = {"MESH_REGISTRY__URL": self.registry.url}
        kafka = self.kafka.model_dump(exclude_none=True, exclude={"sasl_password", "ssl_key_password"})
        env.update({f"MESH_KAFKA__{key.upper()}": str(value) for key, value in kafka.items()})
        for name, secret in (("SASL_PASSWORD", self.kafka.sasl_password), ("SSL_KEY_PASSWORD", self.kafka.ssl_key_password)):
            if secret is not None:
                env[f"MESH_KAFKA__{name}"] = secret.get_secret_value()
        if self.registry.username is not None:
            env["MESH_REGISTRY__USERNAME"] = self.registry.username
        if self.registry.password is not None:
            env["MESH_REGISTRY__PASSWORD"] = self.registry.password.get_secret_value()
        if self.registry.users_file is not None:  # our registry and the view servers authenticate against it
            env["MESH_REGISTRY__USERS_FILE"] = str(self.registry.users_file)
        return env

    @classmethod
    def load(cls) -> MeshSettings:
        """Read the environment; a bad value becomes a ConfigurationError naming the variable."""
        try:
            return cls()
        except ValidationError as exc:
            problems = "; ".join(
                f"MESH_{'__'.join(str(p).upper() for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigurationError(
                f"Invalid mesh settings: {problems}", hint="fix or unset those environment variables"
            ) from exc
