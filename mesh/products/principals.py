"""The descriptors' principals as SCRAM users, their credentials files and the registry's users file.

Used by `mesh access apply` and by the demo (the platform operator, running as the cluster's admin):

- `ensure_principals` makes every principal a SCRAM user; a principal's password is generated once and
  kept in `<folder>/<principal>.env` (mode 0600), the MESH_* variables a domain service or processor
  runs with (Kafka SCRAM and registry HTTP Basic, the same name and password);
- `principal_settings` are a principal's MeshSettings built from the operator's (same cluster and registry);
- `registry_users` is the users file's content (the registry and the views authenticate against it):
  every principal with its password hash and the product topics it owns, and the admins.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from mesh.clients.acl import AccessAdmin
from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.core.users import User, updated_users
from mesh.products.descriptor import ProductDescriptor

_PASSWORD = "MESH_REGISTRY__PASSWORD="


@dataclass(frozen=True)
class Principal:
    """A principal's name, password and credentials file; `created` when this run generated it."""

    name: str
    password: str
    env_file: Path
    created: bool


def write_env(folder: Path, name: str, password: str, *, kafka: KafkaSettings | None = None) -> Path:
    """Write `<folder>/<name>.env` (mode 0600): the MESH_* credentials of principal `name`.

    The protocol follows the operator's `kafka` settings: SASL_SSL (with its CA) on a TLS cluster,
    SASL_PLAINTEXT otherwise (the local broker's loopback listener).
    """
    tls = kafka is not None and kafka.security_protocol in ("SSL", "SASL_SSL")
    lines = [f"MESH_KAFKA__SECURITY_PROTOCOL={'SASL_SSL' if tls else 'SASL_PLAINTEXT'}"]
    if tls and kafka is not None and kafka.ssl_ca_location is not None:
        lines.append(f"MESH_KAFKA__SSL_CA_LOCATION={kafka.ssl_ca_location}")
    lines += ["MESH_KAFKA__SASL_MECHANISM=SCRAM-SHA-512", f"MESH_KAFKA__SASL_USERNAME={name}",
              f"MESH_KAFKA__SASL_PASSWORD={password}", f"MESH_REGISTRY__USERNAME={name}", f"{_PASSWORD}{password}"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.env"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("".join(f"{line}\n" for line in lines))
    return path


def env_password(path: Path) -> str | None:
    """The password a principal's .env file holds (None when it holds none)."""
    for line in path.read_text().splitlines():
        if line.startswith(_PASSWORD):
            return line.partition("=")[2]
    return None


def ensure_principals(access: AccessAdmin, names: Iterable[str], folder: Path, *,
                      kafka: KafkaSettings | None = None) -> list[Principal]:
    """Every name a SCRAM user with the password of its .env file (generated and written when missing).

    The user is (re)set even when the file exists: a broker recreated from scratch gets its users back.
    """
    found: list[Principal] = []
    for name in names:
        env = folder / f"{name}.env"
        password = env_password(env) if env.exists() else None
        created = password is None
        if password is None:
            password = secrets.token_urlsafe(18)
            write_env(folder, name, password, kafka=kafka)
        access.upsert_user(name, password)
        found.append(Principal(name, password, env, created))
    return found


def principal_settings(operator: MeshSettings, name: str, password: str) -> MeshSettings:
    """The settings of principal `name`: the operator's cluster and registry, SCRAM and HTTP Basic as `name`."""
    secret = SecretStr(password)
    kafka = operator.kafka.model_copy(update={"sasl_mechanism": "SCRAM-SHA-512", "sasl_username": name,
                                              "sasl_password": secret})
    registry = operator.registry.model_copy(update={"username": name, "password": secret})
    return operator.model_copy(update={"kafka": kafka, "registry": registry})


def registry_users(existing: dict[str, User], descriptors: Sequence[ProductDescriptor], *,
                   passwords: dict[str, str], admins: dict[str, str]) -> list[User]:
    """The users file after adding the principals (`passwords`) and `admins`, with owned topics from the descriptors."""
    owned: dict[str, tuple[str, ...]] = {}
    for d in descriptors:
        owned[d.owner_principal] = (*owned.get(d.owner_principal, ()), d.topic)
    return updated_users(existing, passwords=passwords, owned=owned, admins=admins)
