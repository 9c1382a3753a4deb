"""The local broker's admin credentials: generated once, kept in its state directory with mode 0600.

`mesh` commands run on the same machine read them (`local_settings`), so a fresh clone needs no
manual step; anyone else needs a principal of their own (`mesh access`).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from mesh.core.errors import LocalBrokerError
from mesh.core.settings import KafkaSettings, LocalBrokerSettings, MeshSettings
from mesh.localbroker.config import ADMIN_USER

CREDENTIALS_FILE = "admin-credentials.json"
REGISTRY_USERS_FILE = "registry-users.json"


@dataclass(frozen=True)
class Credentials:
    """A principal's user name and password."""

    username: str
    password: str = ""

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=***)"


def credentials_path(settings: LocalBrokerSettings) -> Path:
    """Where the local broker's admin credentials live."""
    return settings.resolved_state_dir / CREDENTIALS_FILE


def registry_users_path(settings: LocalBrokerSettings) -> Path:
    """The registry's users file next to the local broker (written by `mesh access apply`)."""
    return settings.resolved_state_dir / REGISTRY_USERS_FILE


def read_admin(settings: LocalBrokerSettings) -> Credentials | None:
    """The admin credentials of the local broker, None if it never started secured here."""
    path = credentials_path(settings)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise LocalBrokerError(f"Cannot read the broker's admin credentials {path}: {exc}",
                               hint=f"delete {settings.resolved_state_dir} and start the broker again") from exc
    return Credentials(str(data["username"]), str(data["password"]))


def ensure_admin(settings: LocalBrokerSettings) -> tuple[Credentials, bool]:
    """The admin credentials, generated (random password, file mode 0600) if missing; True if new."""
    found = read_admin(settings)
    if found is not None:
        return found, False
    path = credentials_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = Credentials(ADMIN_USER, secrets.token_urlsafe(24))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"username": created.username, "password": created.password}, out)
    return created, True


def admin_kafka_settings(settings: LocalBrokerSettings, admin: Credentials) -> KafkaSettings:
    """Client settings for the local broker as its admin."""
    return KafkaSettings(bootstrap_servers=settings.bootstrap, security_protocol="SASL_PLAINTEXT",
                         sasl_mechanism="SCRAM-SHA-512", sasl_username=admin.username,
                         sasl_password=SecretStr(admin.password))


def local_settings(settings: MeshSettings) -> MeshSettings:
    """`settings`, pointed at the local broker as its admin when no cluster and no user are configured.

    An explicit MESH_KAFKA__BOOTSTRAP_SERVERS or MESH_KAFKA__SASL_USERNAME is left alone; the registry
    gets the same admin user unless MESH_REGISTRY__USERNAME is set.
    """
    if settings.kafka.bootstrap_servers or settings.kafka.sasl_username:
        return settings
    admin = read_admin(settings.local_broker)
    if admin is None:
        return settings
    kafka = admin_kafka_settings(settings.local_broker, admin)
    registry = settings.registry
    if registry.username is None:
        registry = registry.model_copy(update={"username": admin.username, "password": SecretStr(admin.password)})
    return settings.model_copy(update={"kafka": kafka, "registry": registry})
