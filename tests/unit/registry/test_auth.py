"""The authorizing registry (issue 13 item 4): HTTP Basic against a users file, authorization by subject.

Every test goes through the whole app (auth middleware, fast path, routes) over an in-memory log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mesh.core import users
from mesh.core.errors import ConfigurationError
from mesh.core.settings import RegistrySettings
from mesh.core.users import User, hash_password, load_users, save_users, updated_users, verify_password
from mesh.registry import InMemoryLog, create_app
from mesh.registry.auth import Authenticator, required_access
from mesh.registry.errors import AuthenticationRequiredError
from tests.unit.registry.conftest import V1, V2_COMPATIBLE

CLAIMS, CLINICAL = "prod.claims.claims.v1", "prod.clinical.visits.v1"
PASSWORDS = {"admin": "admin-pw", "claims": "claims-pw", "clinical": "clinical-pw", "reader": "reader-pw"}


def _users_file(folder: Path) -> Path:
    path = folder / "users.json"
    save_users(path, [
        User("admin", hash_password(PASSWORDS["admin"], iterations=1000), admin=True),
        User("claims", hash_password(PASSWORDS["claims"], iterations=1000), topics=(CLAIMS,)),
        User("clinical", hash_password(PASSWORDS["clinical"], iterations=1000), topics=(CLINICAL,)),
        User("reader", hash_password(PASSWORDS["reader"], iterations=1000)),
    ])
    return path


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = RegistrySettings(users_file=_users_file(tmp_path))
    with TestClient(create_app(settings, log_store=InMemoryLog())) as c:
        yield c


def as_(name: str, password: str | None = None) -> tuple[str, str]:
    return name, password if password is not None else PASSWORDS[name]


def _schema(text: str) -> dict[str, str]:
    return {"schema": text}


def test_anonymous_requests_get_401_with_a_confluent_body(client: TestClient) -> None:
    for method, path in (("GET", "/subjects"), ("GET", "/schemas/ids/1"), ("PUT", "/config"),
                         ("POST", f"/subjects/{CLAIMS}-value/versions")):
        response = client.request(method, path, json=_schema(V1) if method != "GET" else None)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error_code"] == 40101
        assert "credentials" in response.json()["message"]
        assert response.headers["www-authenticate"].startswith("Basic")


def test_a_wrong_password_and_an_unknown_user_get_401(client: TestClient) -> None:
    for credentials in (as_("claims", "nope"), as_("nobody", "x"), as_("claims", "")):
        response = client.get("/subjects", auth=credentials)
        assert (response.status_code, response.json()["error_code"]) == (401, 40101)
        assert "wrong password" in response.json()["message"]
    garbled = client.get("/subjects", headers={"authorization": "Basic !!!not-base64"})
    assert garbled.status_code == 401


def test_the_owner_registers_under_its_subjects_and_anyone_authenticated_reads(client: TestClient) -> None:
    registered = client.post(f"/subjects/{CLAIMS}-value/versions", json=_schema(V1), auth=as_("claims"))
    assert registered.status_code == 200, registered.text
    schema_id = registered.json()["id"]
    for reader in ("reader", "clinical", "admin"):
        assert json.loads(client.get(f"/schemas/ids/{schema_id}", auth=as_(reader)).json()["schema"]) == json.loads(V1)
        assert client.get("/subjects", auth=as_(reader)).json() == [f"{CLAIMS}-value"]
        lookup = client.post(f"/subjects/{CLAIMS}-value", json=_schema(V1), auth=as_(reader))
        assert lookup.json()["id"] == schema_id
        test = client.post(f"/compatibility/subjects/{CLAIMS}-value/versions/latest",
                           json=_schema(V2_COMPATIBLE), auth=as_(reader))
        assert test.json()["is_compatible"] is True


def test_another_domain_cannot_register_under_claims_subjects(client: TestClient) -> None:
    for principal in ("clinical", "reader"):
        response = client.post(f"/subjects/{CLAIMS}-value/versions", json=_schema(V1), auth=as_(principal))
        assert (response.status_code, response.json()["error_code"]) == (403, 40301), response.text
        assert repr(principal) in response.json()["message"] and f"{CLAIMS}-value" in response.json()["message"]
    assert client.get("/subjects", auth=as_("admin")).json() == []


def test_the_fast_path_authenticates_and_authorizes_too(client: TestClient) -> None:
    first = client.post(f"/subjects/{CLAIMS}-value/versions", json=_schema(V1), auth=as_("claims"))
    assert first.status_code == 200
    # the same bytes again would be answered by the fast path: not for an intruder
    again = client.post(f"/subjects/{CLAIMS}-value/versions", json=_schema(V1), auth=as_("clinical"))
    assert again.status_code == 403
    by_id = client.get(f"/schemas/ids/{first.json()['id']}")
    assert by_id.status_code == 401


def test_global_config_mode_and_hard_deletes_are_the_admins(client: TestClient) -> None:
    assert client.post(f"/subjects/{CLAIMS}-value/versions", json=_schema(V1), auth=as_("claims")).status_code == 200
    for method, path, body in (("PUT", "/config", {"compatibility": "NONE"}), ("DELETE", "/config", None),
                               ("PUT", "/mode", {"mode": "READONLY"}),
                               ("DELETE", f"/subjects/{CLAIMS}-value?permanent=true", None)):
        response = client.request(method, path, json=body, auth=as_("claims"))
        assert (response.status_code, response.json()["error_code"]) == (403, 40301), (method, path)
        assert "admin" in response.json()["message"]
    assert client.get("/config", auth=as_("reader")).json()["compatibilityLevel"] == "BACKWARD"
    assert client.get("/mode", auth=as_("reader")).json()["mode"] == "READWRITE"
    assert client.put("/config", json={"compatibility": "FULL"}, auth=as_("admin")).status_code == 200
    assert client.put("/mode", json={"mode": "READONLY"}, auth=as_("admin")).status_code == 200


def test_the_owner_configures_and_soft_deletes_its_subject_only(client: TestClient) -> None:
    assert client.post(f"/subjects/{CLAIMS}-value/versions", json=_schema(V1), auth=as_("claims")).status_code == 200
    assert client.put(f"/config/{CLAIMS}-value", json={"compatibility": "FULL"}, auth=as_("clinical")).status_code == 403
    assert client.put(f"/config/{CLAIMS}-value", json={"compatibility": "FULL"}, auth=as_("claims")).status_code == 200
    assert client.delete(f"/subjects/{CLAIMS}-value", auth=as_("clinical")).status_code == 403
    assert client.delete(f"/subjects/{CLAIMS}-value", auth=as_("claims")).json() == [1]
    hard = client.delete(f"/subjects/{CLAIMS}-value?permanent=true", auth=as_("admin"))
    assert hard.status_code == 200, hard.text


def test_an_owner_prefix_must_end_at_the_topic_name() -> None:
    owner = User("claims", "x", topics=(CLAIMS,))
    assert owner.owns(f"{CLAIMS}-value") and owner.owns(f"{CLAIMS}-key")
    assert not owner.owns(f"{CLAIMS}2-value") and not owner.owns(CLAIMS)


def test_required_access_table() -> None:
    assert required_access("GET", "/config", b"") == ("read", None)
    assert required_access("POST", "/subjects/s", b"") == ("read", None)
    assert required_access("POST", "/compatibility/subjects/s/versions", b"") == ("read", None)
    assert required_access("POST", "/subjects/s/versions", b"normalize=true") == ("owner", "s")
    assert required_access("DELETE", "/subjects/s/versions/1", b"permanent=True") == ("admin", None)
    assert required_access("PUT", "/mode", b"") == ("admin", None)
    assert required_access("PUT", "/mode/s", b"") == ("owner", "s")
    assert required_access("POST", "/import", b"") == ("admin", None)


def test_verified_credentials_are_hashed_once_per_distinct_header(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(password: str, encoded: str) -> bool:
        calls.append(password)
        return verify_password(password, encoded)

    monkeypatch.setattr(users, "verify_password", counting)  # BasicVerifier, under the Authenticator
    authenticator = Authenticator({"u": User("u", hash_password("pw", iterations=1000))})
    good, bad = b"Basic " + base64.b64encode(b"u:pw"), b"Basic " + base64.b64encode(b"u:no")
    for _ in range(5):
        assert authenticator.user(good).name == "u"
        with pytest.raises(AuthenticationRequiredError, match="wrong password"):
            authenticator.user(bad)
    assert calls == ["pw", "no"]


def test_password_hashes_are_salted_and_verify() -> None:
    one, two = hash_password("secret", iterations=1000), hash_password("secret", iterations=1000)
    assert one != two and "secret" not in one
    assert verify_password("secret", one) and verify_password("secret", two)
    assert not verify_password("Secret", one) and not verify_password("secret", "garbage")


def test_a_missing_or_malformed_users_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist.*mesh access apply"):
        load_users(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"people": {}}))
    with pytest.raises(ConfigurationError, match="bad.json"):
        create_app(RegistrySettings(users_file=bad), log_store=InMemoryLog())


def test_the_users_file_is_private(tmp_path: Path) -> None:
    path = _users_file(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert set(load_users(path)) == set(PASSWORDS)


def test_access_apply_adds_new_principals_updates_owned_topics_and_keeps_hashes() -> None:
    old = User("claims", hash_password("old", iterations=1000), topics=("gone.topic",))
    users = {u.name: u for u in updated_users({"claims": old}, passwords={"claims": "new", "care": "care-pw"},
                                              owned={"claims": (CLAIMS,)}, admins={"admin": "admin-pw"})}
    assert set(users) == {"admin", "care", "claims"}
    assert users["claims"].hash == old.hash and users["claims"].topics == (CLAIMS,)  # password unchanged
    assert verify_password("care-pw", users["care"].hash) and users["care"].topics == ()
    assert users["admin"].admin and not users["claims"].admin and verify_password("admin-pw", users["admin"].hash)
