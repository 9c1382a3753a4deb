"""Who may read a queryable view over HTTP (pure: no I/O, the clock is a parameter).

A view serves a data product's records (member-360's carry PHI), so reading a record needs the same
right as reading the product's topic: a principal authenticated with HTTP Basic against the mesh's
users file (`mesh.core.users`, the registry's file) that is

- the product's owner principal, or
- a consumer whose grant in the descriptor has not expired (`expires` is the last day it holds), or
- an admin of the users file (the platform operator).

`/stats` and `/metrics` carry counters, lags and topic names but no record: any authenticated
principal may read them (a Prometheus scraper gets a principal of its own).

`check` answers None (allowed) or a `ViewRefusal`: 401 when no or bad credentials came (the server adds
`WWW-Authenticate`), 403 when the principal holds no grant; both say what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from mesh.core.users import BasicVerifier, User

Resource = Literal["record", "ops"]
"""`record`: GET <path>/<key> (product data); `ops`: /stats, /metrics (no product data)."""

REALM = 'Basic realm="mesh-views"'


@dataclass(frozen=True, slots=True)
class ViewPolicy:
    """The product a view serves and who may read its records: principal -> last day of its grant."""

    product: str
    readers: Mapping[str, date | None] = field(default_factory=dict)
    """The owner (None: no expiry) and the descriptor's consumers with their `expires`."""


@dataclass(frozen=True, slots=True)
class ViewRefusal:
    """Why a request is refused: HTTP status, the error and what to do (the JSON body's fields)."""

    status: Literal[401, 403]
    error: str
    hint: str

    def body(self) -> dict[str, str]:
        """The JSON error body."""
        return {"error": self.error, "hint": self.hint}


def check(policy: ViewPolicy, user: User | None, *, sent_credentials: bool, resource: Resource,
          today: date) -> ViewRefusal | None:
    """None when `user` may read `resource` of the view on `today`, else why not.

    `user` is who the request's credentials authenticate (None: none sent, or wrong ones).
    """
    if user is None:
        if sent_credentials:
            return ViewRefusal(401, "Unauthorized: unknown user or wrong password",
                               "check the principal's name and password (its .env file from `mesh access apply`)")
        return ViewRefusal(401, f"Unauthorized: the views of {policy.product} need HTTP Basic credentials",
                           "send a principal's name and password (e.g. curl -u NAME:PASSWORD); "
                           "`mesh access list` shows who is granted")
    if resource == "ops" or user.admin:
        return None
    if user.name not in policy.readers:
        return ViewRefusal(403, f"Forbidden: principal {user.name!r} holds no grant on {policy.product}",
                           f"ask {policy.product}'s owner to add it under `consumers:` in the product's "
                           "descriptor (principal, team, purpose, expires), then run `mesh access apply`")
    expires = policy.readers[user.name]
    if expires is not None and expires < today:
        return ViewRefusal(403, f"Forbidden: the grant of principal {user.name!r} on {policy.product} "
                                f"expired on {expires.isoformat()}",
                           f"ask {policy.product}'s owner to renew `expires` in the product's descriptor, "
                           "then run `mesh access apply`")
    return None


class ViewGuard:
    """`check` for HTTP requests: verifies `Authorization` headers (cached, `BasicVerifier`) on today's date."""

    def __init__(self, policy: ViewPolicy, users: dict[str, User],
                 *, today: Callable[[], date] = date.today) -> None:
        self.policy = policy
        self._verifier = BasicVerifier(users)
        self._today = today

    def refusal(self, authorization: str | None, resource: Resource) -> ViewRefusal | None:
        """None when the request with this `Authorization` header value may read `resource`."""
        user = None if authorization is None else self._verifier.user(authorization.encode("latin-1"))
        return check(self.policy, user, sent_credentials=authorization is not None, resource=resource,
                     today=self._today())
