"""The test session's principal: a SCRAM user allowed everything on the tests' own names, nothing else.

The tests' names start with `t.` (unique_name), `t-` (processor app ids, and Quix Streams' internal
topics `repartition__t-...`/`changelog__t-...`) or `test.` (product topics of the `test` environment);
product topics of other environments (`prod.`) are out of its reach.

Tests never run as the admin. On an unsecured cluster (testcontainers) the admin settings are anonymous
and are used as they are.
"""

from __future__ import annotations

import secrets

from pydantic import SecretStr

from mesh.clients.acl import AccessAdmin, Acl, user
from mesh.core.settings import KafkaSettings

TEST_PREFIXES = ("t.", "t-", "test.", "repartition__t-", "changelog__t-")
"""`repartition__`/`changelog__` + app id: Quix Streams' internal topics of the tests' processors."""


def principal_settings(admin: KafkaSettings, name: str, password: str) -> KafkaSettings:
    """Client settings for SCRAM user `name` on the admin's cluster (same protocol, same TLS)."""
    return admin.model_copy(update={"sasl_mechanism": "SCRAM-SHA-512", "sasl_username": name,
                                    "sasl_password": SecretStr(password)})


def test_principal_acls(name: str) -> list[Acl]:
    """Everything on topics, groups and transactional ids under the tests' prefixes."""
    return [Acl(user(name), resource, prefix, "all", "prefixed")  # type: ignore[arg-type]
            for resource in ("topic", "group", "transactional_id") for prefix in TEST_PREFIXES]


def create_principal(admin: KafkaSettings, name: str, acls: list[Acl] | None = None) -> KafkaSettings:
    """Create SCRAM user `name` with a random password and `acls`; its client settings."""
    password = secrets.token_urlsafe(18)
    access = AccessAdmin(admin.client_config())
    access.upsert_user(name, password)
    access.create(acls or [])
    return principal_settings(admin, name, password)


def test_principal(admin: KafkaSettings) -> KafkaSettings:
    """The session's test principal (the admin settings themselves on an unsecured cluster)."""
    if admin.sasl_mechanism is None:
        return admin
    name = f"mesh-test-{secrets.token_hex(4)}"
    return create_principal(admin, name, test_principal_acls(name))
