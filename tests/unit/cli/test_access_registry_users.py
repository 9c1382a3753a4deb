"""`mesh access apply` keeps the registry's users file in line with the principals and the descriptors."""

from __future__ import annotations

from pathlib import Path

from mesh.cli.access_cmd import _products, _write_env, _write_registry_users
from mesh.core.settings import LocalBrokerSettings, MeshSettings
from mesh.localbroker.credentials import ensure_admin
from mesh.registry.users import load_users, verify_password

ROOT = Path(__file__).resolve().parents[3]


def test_the_users_file_holds_every_principal_its_owned_topics_and_the_admin(tmp_path: Path) -> None:
    settings = MeshSettings(local_broker=LocalBrokerSettings(state_dir=tmp_path / "broker"))
    admin, _ = ensure_admin(settings.local_broker)
    descriptors = [d for d, _ in _products(ROOT / "domains", None)]
    folder = tmp_path / "broker" / "principals"
    claims = next(d for d in descriptors if d.topic.endswith(".claims.claims.v1"))
    _write_env(folder, claims.owner_principal, "claims-password")

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
