"""The mesh's users file: principals with salted PBKDF2-SHA256 password hashes and what they own.

Shared by every HTTP service that authenticates principals: the schema registry and the queryable
views (member-360's `GET /members/{id}`) read the same file and check `Authorization: Basic` headers
with the same `BasicVerifier`.

```json
{"users": {"claims": {"hash": "pbkdf2_sha256$200000$<salt b64>$<hash b64>",
                      "admin": false, "topics": ["prod.claims.claims.v1"]}}}
```

`topics` are the product topics the principal owns (from the descriptors): it may write the subjects
`<topic>-...`. `admin` may do everything. `mesh access apply` writes the file (mode 0600); the registry
and the view servers read it once at start-up (MESH_REGISTRY__USERS_FILE).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mesh.core.errors import ConfigurationError

ITERATIONS = 200_000
_SCHEME = "pbkdf2_sha256"


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """`pbkdf2_sha256$<iterations>$<salt>$<hash>` of `password` with a fresh 16-byte salt."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{_SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches `encoded` (constant-time comparison)."""
    try:
        scheme, iterations, salt, expected = encoded.split("$")
        if scheme != _SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest, base64.b64decode(expected))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class User:
    """One principal of the registry: its password hash, admin flag and the product topics it owns."""

    name: str
    hash: str
    admin: bool = False
    topics: tuple[str, ...] = field(default=())

    def owns(self, subject: str) -> bool:
        """True when `subject` is one of its products' subjects (`<topic>-key`, `<topic>-value`, ...)."""
        return any(subject.startswith(f"{topic}-") for topic in self.topics)


def load_users(path: Path) -> dict[str, User]:
    """The users of `path`; a clear error naming the file when it is missing or malformed."""
    hint = "generate it with `mesh access apply` or fix MESH_REGISTRY__USERS_FILE"
    try:
        data = json.loads(path.read_text())
        users = data["users"]
        return {name: User(name, str(entry["hash"]), bool(entry.get("admin", False)),
                           tuple(str(t) for t in entry.get("topics", ())))
                for name, entry in users.items()}
    except FileNotFoundError as exc:
        raise ConfigurationError(f"The registry's users file {path} does not exist", hint=hint) from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigurationError(f"Cannot read the registry's users file {path}: {type(exc).__name__}: {exc}",
                                 hint=hint) from exc


def save_users(path: Path, users: Iterable[User]) -> None:
    """Write `users` to `path` (mode 0600, replaced atomically)."""
    body = {"users": {u.name: {"hash": u.hash, "admin": u.admin, "topics": list(u.topics)}
                      for u in sorted(users, key=lambda u: u.name)}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(body, out, indent=2)
    os.replace(tmp, path)


def updated_users(existing: dict[str, User], *, passwords: dict[str, str], owned: dict[str, tuple[str, ...]],
                  admins: dict[str, str] | None = None) -> list[User]:
    """The users file's content after `mesh access apply`.

    `passwords`: principals to add (known password, hashed here) when not in the file yet; `owned`:
    each principal's product topics as the descriptors say today (replacing what the file said);
    `admins`: admin principals and passwords (added if missing, always flagged admin). Other users are
    kept as they are, with no topics when no descriptor names them as an owner any more.
    """
    admins = admins or {}
    users = dict(existing)
    for name, password in {**passwords, **admins}.items():
        if name not in users:
            users[name] = User(name, hash_password(password))
    return [User(u.name, u.hash, u.admin or u.name in admins, tuple(sorted(owned.get(u.name, ()))))
            for u in sorted(users.values(), key=lambda u: u.name)]


CACHE_LIMIT = 4096


class BasicVerifier:
    """Checks `Authorization: Basic ...` header values against `users`, caching the verdict per value.

    A password is hashed once per distinct header value, not once per request (bounded: the cache is
    cleared when full). `user(header)` is the authenticated User, or None for a missing, malformed,
    unknown-user or wrong-password header.
    """

    def __init__(self, users: dict[str, User]) -> None:
        self.users = users
        self._cache: dict[bytes, User | None] = {}

    def user(self, header: bytes) -> User | None:
        """The user these credentials authenticate, or None."""
        if header in self._cache:
            return self._cache[header]
        found = self._verify(header)
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[header] = found
        return found

    def _verify(self, header: bytes) -> User | None:
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"basic":
            return None
        try:
            name, sep, password = base64.b64decode(token.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user = self.users.get(name)
        if not sep or user is None or not verify_password(password, user.hash):
            return None
        return user
