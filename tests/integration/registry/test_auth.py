"""Proof on the real broker and our registry (issue 13 item 4): with a users file every request is
authenticated, owners write only their products' subjects, the global settings are the admin's, and
the SDK/CLI refusals are one line."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from pydantic import SecretStr

from mesh.clients.registry import call_registry, close_client, registry_client
from mesh.core.errors import RegistryError
from mesh.core.settings import KafkaSettings, RegistrySettings
from mesh.core.users import User, hash_password, save_users
from mesh.registry.server import BackgroundRegistry, build_app
from tests.support.registry import registry_settings

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = '{"type":"record","name":"Visit","namespace":"mesh.test","fields":[{"name":"id","type":"string"}]}'
PASSWORDS = {"admin": "a-secret", "claims": "c-secret", "clinical": "k-secret"}


@pytest.fixture
def secured(kafka_settings: KafkaSettings, unique_name: Callable[[str], str], tmp_path: Path) -> Iterator[dict[str, str]]:
    claims_topic, clinical_topic = unique_name("claims"), unique_name("visits")
    users_file = tmp_path / "registry-users.json"
    save_users(users_file, [
        User("admin", hash_password(PASSWORDS["admin"]), admin=True),
        User("claims", hash_password(PASSWORDS["claims"]), topics=(claims_topic,)),
        User("clinical", hash_password(PASSWORDS["clinical"]), topics=(clinical_topic,)),
    ])
    settings = registry_settings(kafka_settings)
    settings = settings.model_copy(update={"registry": settings.registry.model_copy(update={"users_file": users_file})})
    server = BackgroundRegistry(build_app(settings))
    url = server.start()
    try:
        yield {"url": url, "claims": claims_topic, "clinical": clinical_topic}
    finally:
        server.stop()


def as_(url: str, name: str | None, password: str | None = None) -> RegistrySettings:
    if name is None:
        return RegistrySettings(url=url)
    return RegistrySettings(url=url, username=name, password=SecretStr(password or PASSWORDS[name]))


@contextlib.contextmanager
def client_of(settings: RegistrySettings) -> Iterator[SchemaRegistryClient]:
    client = registry_client(settings, retries=0)
    try:
        yield client
    finally:
        close_client(client)


def register(settings: RegistrySettings, subject: str) -> int:
    with client_of(settings) as client:
        schema_id: int = call_registry(f"register {subject}",
                                       lambda: client.register_schema(subject, Schema(SCHEMA, "AVRO")))
    return schema_id


def test_anonymous_and_wrong_passwords_are_refused_with_one_line(secured: dict[str, str]) -> None:
    subject = f"{secured['clinical']}-value"
    for settings in (as_(secured["url"], None), as_(secured["url"], "clinical", "wrong"), as_(secured["url"], "nobody", "x")):
        with pytest.raises(RegistryError) as caught:
            register(settings, subject)
        assert caught.value.http_status == 401 and caught.value.error_code == 40101
        assert "\n" not in str(caught.value) and "MESH_REGISTRY__USERNAME" in str(caught.value)
    assert httpx.get(f"{secured['url']}/subjects").status_code == 401


def test_the_claims_principal_cannot_register_under_clinical_subjects(secured: dict[str, str]) -> None:
    subject = f"{secured['clinical']}-value"
    with pytest.raises(RegistryError) as caught:
        register(as_(secured["url"], "claims"), subject)
    assert caught.value.http_status == 403 and caught.value.error_code == 40301
    assert subject in str(caught.value) and "mesh access list" in str(caught.value)
    schema_id = register(as_(secured["url"], "clinical"), subject)
    # every authenticated principal reads, through the fast path and the app
    with client_of(as_(secured["url"], "claims")) as reader:
        assert reader.get_schema(schema_id).schema_str == SCHEMA
        assert reader.get_subjects() == [subject]
        assert reader.get_latest_version(subject).schema_id == schema_id


def test_a_non_admin_cannot_change_the_global_compatibility_or_mode(secured: dict[str, str]) -> None:
    with client_of(as_(secured["url"], "claims")) as claims, pytest.raises(RegistryError) as level:
        call_registry("set the global compatibility", lambda: claims.set_compatibility(level="NONE"))
    assert level.value.http_status == 403
    anonymous = httpx.put(f"{secured['url']}/mode", json={"mode": "READONLY"})
    assert (anonymous.status_code, anonymous.json()["error_code"]) == (401, 40101)
    owner = httpx.put(f"{secured['url']}/mode", json={"mode": "READONLY"}, auth=("claims", PASSWORDS["claims"]))
    assert (owner.status_code, owner.json()["error_code"]) == (403, 40301)
    with client_of(as_(secured["url"], "admin")) as admin:
        assert admin.get_compatibility() == "BACKWARD"
    assert httpx.get(f"{secured['url']}/mode", auth=("admin", PASSWORDS["admin"])).json()["mode"] == "READWRITE"


def test_the_cli_refuses_a_wrong_password_in_one_line(secured: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESH_REGISTRY__")}
    env.update(MESH_REGISTRY__URL=secured["url"], MESH_REGISTRY__USERNAME="clinical", MESH_REGISTRY__PASSWORD="wrong")
    done = subprocess.run([sys.executable, "-m", "mesh.cli.main", "schemas", "register"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if "401" in line]
    assert "Traceback" not in done.stderr and len(errors) == 1, done.stderr
    assert "wrong password" in errors[0]
