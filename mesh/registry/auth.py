"""HTTP Basic authentication and per-subject authorization, in front of everything (the fast path too).

Rules (`required_access`): every authenticated principal may read (GETs, lookups, compatibility
tests); a product's owner may register, delete (soft) and configure its product's subjects
(`<topic>-...`); global config and mode, hard deletes (`permanent=true`) and imports are the admin's.
Refusals are Confluent error bodies through `error_body`: 401/40101 and 403/40301.

Verified credentials are cached by their exact header value, so a password is hashed once per
distinct header, not once per request (bounded: the cache is cleared when full).
"""

from __future__ import annotations

from typing import Literal

from starlette.types import ASGIApp, Receive, Scope, Send

from mesh.core.errors import RegistryError
from mesh.core.users import BasicVerifier, User
from mesh.registry.errors import AccessDeniedError, AuthenticationRequiredError, error_body
from mesh.registry.fastpath import CONTENT_TYPE

Access = Literal["read", "owner", "admin"]
_REALM = b'Basic realm="mesh-registry"'


def required_access(method: str, path: str, query: bytes) -> tuple[Access, str | None]:
    """What a request needs: ("read"|"owner"|"admin", the subject it writes or None)."""
    parts = path.strip("/").split("/")
    if method in ("GET", "HEAD", "OPTIONS") or parts[0] == "compatibility":
        return "read", None
    if parts[0] == "subjects" and len(parts) == 2 and method == "POST":
        return "read", None  # lookup: is this schema registered under the subject?
    if b"permanent=true" in query.lower():
        return "admin", None
    if parts[0] in ("subjects", "config", "mode") and len(parts) >= 2:
        return "owner", parts[1]
    return "admin", None


def authorize(user: User, method: str, path: str, query: bytes) -> None:
    """Raise AccessDeniedError when `user` may not make this request."""
    access, subject = required_access(method, path, query)
    if access == "read" or user.admin:
        return
    if access == "owner" and subject is not None and user.owns(subject):
        return
    what = f"{method} {path}" + (f"?{query.decode(errors='replace')}" if query else "")
    if access == "admin":
        raise AccessDeniedError(f"Principal {user.name!r} may not {what}: global config, mode, hard deletes "
                                "and imports are the admin's", hint="ask the platform admin")
    raise AccessDeniedError(f"Principal {user.name!r} may not {what}: it owns no product whose topic "
                            f"prefixes subject {subject!r}",
                            hint="only the product's owner principal writes its subjects (`mesh access list`)")


class Authenticator:
    """Checks `Authorization: Basic ...` headers against the users (`BasicVerifier`: cached per header)."""

    def __init__(self, users: dict[str, User]) -> None:
        self.users = users
        self._verifier = BasicVerifier(users)

    def user(self, header: bytes | None) -> User:
        """The authenticated user, or AuthenticationRequiredError saying what was wrong."""
        if header is None:
            raise AuthenticationRequiredError("Unauthorized: the registry needs HTTP Basic credentials",
                                              hint="set MESH_REGISTRY__USERNAME and MESH_REGISTRY__PASSWORD")
        found = self._verifier.user(header)
        if found is None:
            raise AuthenticationRequiredError("Unauthorized: unknown user or wrong password",
                                              hint="check MESH_REGISTRY__USERNAME and MESH_REGISTRY__PASSWORD")
        return found


class RegistryAuth:
    """ASGI middleware: authenticate and authorize every HTTP request before anything answers it."""

    def __init__(self, app: ASGIApp, *, users: dict[str, User]) -> None:
        self.app = app
        self.authenticator = Authenticator(users)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = next((v for k, v in scope["headers"] if k == b"authorization"), None)
            try:
                user = self.authenticator.user(header)
                authorize(user, scope["method"], scope["path"], scope["query_string"])
            except RegistryError as exc:
                await _refuse(send, exc)
                return
            scope.setdefault("state", {})["principal"] = user.name
        await self.app(scope, receive, send)


async def _refuse(send: Send, exc: RegistryError) -> None:
    body = error_body(exc)
    headers = [(b"content-type", CONTENT_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    if exc.http_status == 401:
        headers.append((b"www-authenticate", _REALM))
    await send({"type": "http.response.start", "status": exc.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
