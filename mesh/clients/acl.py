"""Kafka ACLs and SCRAM users, as plain values and one admin wrapper that applies them.

`Acl` is a frozen value (pure code derives sets of them; `mesh.products.access` does). `AccessAdmin`
lists, creates and deletes ACLs and upserts SCRAM-SHA-512 users through confluent-kafka's admin client.
Only ALLOW ACLs are managed: the broker denies whatever no ACL allows.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

from mesh.clients.kafka import ConfigSource, admin
from mesh.clients.topics import TopicAdmin
from mesh.core.errors import KafkaError

Resource = Literal["topic", "group", "transactional_id", "cluster"]
Pattern = Literal["literal", "prefixed"]
Operation = Literal["all", "read", "write", "create", "delete", "alter", "describe", "describe_configs",
                    "alter_configs", "idempotent_write"]

_RESOURCES = {"topic": ResourceType.TOPIC, "group": ResourceType.GROUP,
              "transactional_id": ResourceType.TRANSACTIONAL_ID, "cluster": ResourceType.BROKER}
_PATTERNS = {"literal": ResourcePatternType.LITERAL, "prefixed": ResourcePatternType.PREFIXED}
SCRAM_ITERATIONS = 8192


@dataclass(frozen=True, order=True, slots=True)
class Acl:
    """One ALLOW rule: `principal` may do `operation` on the `resource` named `name` (exactly or by prefix)."""

    principal: str  # "User:claims"
    resource: Resource
    name: str
    operation: Operation
    pattern: Pattern = "literal"

    def __str__(self) -> str:
        star = "*" if self.pattern == "prefixed" else ""
        return f"{self.principal} {self.operation.upper()} {self.resource} {self.name}{star}"

    def binding(self) -> AclBinding:
        """The confluent-kafka binding of this rule (any host)."""
        return AclBinding(_RESOURCES[self.resource], self.name, _PATTERNS[self.pattern], self.principal, "*",
                          AclOperation[self.operation.upper()], AclPermissionType.ALLOW)


    def filter(self) -> AclBindingFilter:
        """A filter matching exactly this rule (what delete_acls takes)."""
        return AclBindingFilter(_RESOURCES[self.resource], self.name, _PATTERNS[self.pattern], self.principal, "*",
                                AclOperation[self.operation.upper()], AclPermissionType.ALLOW)


def user(name: str) -> str:
    """The Kafka principal of a SCRAM user: `User:<name>`."""
    return f"User:{name}"


def _from_binding(binding: AclBinding) -> Acl | None:
    resource = {v: k for k, v in _RESOURCES.items()}.get(binding.restype)
    pattern = {v: k for k, v in _PATTERNS.items()}.get(binding.resource_pattern_type)
    if resource is None or pattern is None or binding.permission_type != AclPermissionType.ALLOW:
        return None
    operation = binding.operation.name.lower()
    return Acl(binding.principal, resource, binding.name, operation, pattern)  # type: ignore[arg-type]


class AccessAdmin:
    """ACLs and SCRAM users on one cluster (needs a principal allowed to ALTER the cluster: the admin)."""

    def __init__(self, source: ConfigSource | AdminClient, *, timeout_s: float = 30.0) -> None:
        self._admin = source if isinstance(source, AdminClient) else admin(source, {"log_level": 4})
        self._topics = TopicAdmin(self._admin, timeout_s=timeout_s)
        self._timeout_s = timeout_s

    def acls(self) -> set[Acl]:
        """Every ALLOW ACL on the cluster."""
        query = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                                 AclOperation.ANY, AclPermissionType.ANY)
        found = self._topics.wait("describe ACLs", {"acls": self._admin.describe_acls(query)})["acls"]
        return {acl for b in found if (acl := _from_binding(b)) is not None}

    def create(self, acls: Iterable[Acl]) -> None:
        """Add ACLs (adding an existing one is a no-op on the broker); returns once the broker lists them."""
        wanted = set(acls)
        if wanted:
            self._topics.wait("create ACL", self._admin.create_acls([a.binding() for a in sorted(wanted)]))
            self._until_listed(present=wanted, absent=set())

    def delete(self, acls: Iterable[Acl]) -> None:
        """Remove exactly these ACLs; returns once the broker no longer lists them."""
        gone = set(acls)
        if gone:
            self._topics.wait("delete ACL", self._admin.delete_acls([a.filter() for a in sorted(gone)]))
            self._until_listed(present=set(), absent=gone)

    def _until_listed(self, *, present: set[Acl], absent: set[Acl]) -> None:
        # KRaft acknowledges an ACL change once it is in the metadata log; the broker applies the log a
        # moment later, so a describe (or a client's next request) right after can still see the old set.
        deadline = time.monotonic() + self._timeout_s
        while True:
            listed = self.acls()
            if present <= listed and not (absent & listed):
                return
            if time.monotonic() > deadline:
                missing = sorted(str(a) for a in (present - listed) | (absent & listed))
                raise KafkaError(f"The broker did not apply {len(missing)} ACL change(s) within "
                                 f"{self._timeout_s:.0f} s: {', '.join(missing[:3])}",
                                 hint="check the broker's log; run the command again")
            time.sleep(0.05)

    def upsert_user(self, name: str, password: str) -> None:
        """Create the SCRAM-SHA-512 user, or set its password."""
        info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
        futures = self._admin.alter_user_scram_credentials([UserScramCredentialUpsertion(name, info, password.encode())])
        self._topics.wait("create SCRAM user", futures)
