"""A schema registry for the test session: the one named by MESH_REGISTRY__URL, else ours, in-process.

Ours runs under uvicorn in a background thread on a free port, on a `_schemas` topic unique to the
session, against the session's Kafka broker; it is stopped when the session ends. It is secured like
production (a users file): the session's principal is its admin, and its credentials travel as the
URL's userinfo (`http://user:password@host:port`), which confluent-kafka's client and httpx both use.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from mesh.core.settings import KafkaSettings, MeshSettings, RegistrySettings


def registry_settings(kafka: KafkaSettings | None = None, *, topic: str | None = None,
                      default_compatibility: str = "BACKWARD", users_file: Path | None = None) -> MeshSettings:
    """Settings for an in-process registry on `topic` (default: a fresh unique topic); open without `users_file`."""
    topic = topic or f"t._schemas.{uuid.uuid4().hex[:12]}"
    return MeshSettings(
        kafka=kafka or KafkaSettings(),
        registry=RegistrySettings(
            schemas_topic=topic, group_id=f"t.registry.{uuid.uuid4().hex[:8]}",
            default_compatibility=default_compatibility, users_file=users_file,
        ),
    )


@contextlib.contextmanager
def running_registry(kafka: KafkaSettings, *, topic: str | None = None, users_file: Path | None = None) -> Iterator[str]:
    """Run our registry on `topic` on the cluster of `kafka` (as its principal) until the block ends; yields its URL."""
    from mesh.registry.server import BackgroundRegistry, build_app

    server = BackgroundRegistry(build_app(registry_settings(kafka, topic=topic, users_file=users_file)))
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@contextlib.contextmanager
def acquire_registry(kafka: KafkaSettings) -> Iterator[str]:
    """Yield a registry URL: MESH_REGISTRY__URL when set, else our registry started for the session."""
    existing = os.environ.get("MESH_REGISTRY__URL")
    if existing:
        yield existing
        return
    from mesh.core.users import User, hash_password, save_users

    name, password = kafka.sasl_username or "mesh-test", secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="mesh-registry-users-") as folder:
        users_file = Path(folder) / "registry-users.json"
        save_users(users_file, [User(name, hash_password(password), admin=True)])
        with running_registry(kafka, users_file=users_file) as url:
            yield url.replace("http://", f"http://{name}:{password}@", 1)
