"""`mesh access apply` keeps the registry's users file in line with the principals and the descriptors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from mesh.cli.access_cmd import _products, _write_registry_users
from mesh.cli.registry_cmd import with_users_file
from mesh.core.settings import KafkaSettings, LocalBrokerSettings, MeshSettings, RegistrySettings
from mesh.core.users import load_users, verify_password
from mesh.localbroker.credentials import ensure_admin
from mesh.products.principals import ensure_principals, env_password, principal_settings, write_env

ROOT = Path(__file__).resolve().parents[3]


def test_the_users_file_holds_every_principal_its_owned_topics_and_the_admin(tmp_path: Path) -> None:
    settings = MeshSettings(local_broker=LocalBrokerSettings(state_dir=tmp_path / "broker"))
    admin, _ = ensure_admin(settings.local_broker)
    descriptors = [d for d, _ in _products(ROOT / "domains", None)]
    folder = tmp_path / "broker" / "principals"
    claims = next(d for d in descriptors if d.topic.endswith(".claims.claims.v1"))
    write_env(folder, claims.owner_principal, "claims-password")

    path = _write_registry_users(settings, folder, descriptors)

    users = load_users(path)
    assert path == tmp_path / "broker" / "registry-users.json" and path.stat().st_mode & 0o777 == 0o600
    assert users[admin.username].admin and verify_password(admin.password, users[admin.username].hash)
    owner = users[claims.owner_principal]
    assert not owner.admin and owner.owns(f"{claims.topic}-value")
    assert verify_password("claims-password", owner.hash)
    assert not any(owner.owns(f"{d.topic}-value") for d in descriptors if d.owner_principal != owner.name)
    # principals without a password file are not invented
    assert set(users) == {admin.username, claims.owner_principal}
    again = load_users(_write_registry_users(settings, folder, descriptors))
    assert again[claims.owner_principal].hash == owner.hash  # idempotent: nothing re-hashed


def test_registry_serve_uses_the_local_users_file_when_access_apply_wrote_one(tmp_path: Path) -> None:
    settings = MeshSettings(local_broker=LocalBrokerSettings(state_dir=tmp_path / "broker"))
    assert with_users_file(settings).registry.users_file is None  # none written yet: open, with a warning
    ensure_admin(settings.local_broker)
    written = _write_registry_users(settings, tmp_path / "broker" / "principals", [])
    assert with_users_file(settings).registry.users_file == written
    explicit = settings.model_copy(update={"registry": settings.registry.model_copy(
        update={"users_file": tmp_path / "other.json"})})
    assert with_users_file(explicit).registry.users_file == tmp_path / "other.json"


class _Users:
    """The AccessAdmin calls ensure_principals makes (SCRAM users), recorded."""

    def __init__(self) -> None:
        self.set: list[tuple[str, str]] = []

    def upsert_user(self, name: str, password: str) -> None:
        self.set.append((name, password))


def test_principals_get_a_password_once_and_their_user_every_time(tmp_path: Path) -> None:
    users = _Users()
    first = ensure_principals(users, ["care", "claims"], tmp_path)  # type: ignore[arg-type]
    assert [p.created for p in first] == [True, True] and first[0].password != first[1].password
    assert (tmp_path / "care.env").stat().st_mode & 0o777 == 0o600
    assert env_password(tmp_path / "care.env") == first[0].password
    again = ensure_principals(users, ["care", "claims"], tmp_path)  # type: ignore[arg-type]
    assert [p.created for p in again] == [False, False] and [p.password for p in again] == [p.password for p in first]
    assert users.set == [(p.name, p.password) for p in (*first, *again)]  # a recreated broker gets them back


def test_principal_settings_authenticate_kafka_and_the_registry_as_the_principal() -> None:
    operator = MeshSettings(
        kafka=KafkaSettings(bootstrap_servers="h:1", security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                            sasl_username="admin", sasl_password=SecretStr("a")),
        registry=RegistrySettings(url="http://r:1", username="admin", password=SecretStr("a")))
    care = principal_settings(operator, "care", "pw")
    env = care.client_env()
    assert (env["MESH_KAFKA__SASL_USERNAME"], env["MESH_KAFKA__SASL_PASSWORD"]) == ("care", "pw")
    assert (env["MESH_REGISTRY__USERNAME"], env["MESH_REGISTRY__PASSWORD"]) == ("care", "pw")
    assert env["MESH_KAFKA__BOOTSTRAP_SERVERS"] == "h:1" and env["MESH_REGISTRY__URL"] == "http://r:1"


@pytest.mark.parametrize(("protocol", "expected"), [("SASL_SSL", "SASL_SSL"), ("SASL_PLAINTEXT", "SASL_PLAINTEXT"),
                                                    (None, "SASL_PLAINTEXT")])
def test_a_principals_env_file_follows_the_operators_protocol(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              protocol: str | None, expected: str) -> None:
    operator = None if protocol is None else KafkaSettings(
        bootstrap_servers="h:1", security_protocol=protocol, ssl_ca_location=tmp_path / "ca.pem")  # type: ignore[arg-type]
    path = write_env(tmp_path, "care", "pw", kafka=operator)
    for line in path.read_text().splitlines():  # the file, read back as the environment a principal runs with
        key, _, value = line.partition("=")
        monkeypatch.setenv(key, value)
    config = MeshSettings.load().kafka.client_config("h:1")
    assert config["security.protocol"] == expected and config["sasl.username"] == "care"
    assert config.get("ssl.ca.location") == (str(tmp_path / "ca.pem") if expected == "SASL_SSL" else None)
