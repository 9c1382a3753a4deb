"""Who may read a queryable view (member-360's PHI): table of cases, then the header-checking guard."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from mesh.core.users import User, hash_password
from mesh.processing.view_access import Resource, ViewGuard, ViewPolicy, check

TODAY = dt.date(2026, 12, 6)
POLICY = ViewPolicy("care.member_360", {"care": None, "audit": dt.date(2026, 12, 6), "old": dt.date(2026, 12, 5)})
FAST = 1_000  # PBKDF2 iterations: the rules under test do not depend on the cost


def _user(name: str, *, admin: bool = False) -> User:
    return User(name, hash_password(f"{name}-pw", iterations=FAST), admin=admin)


USERS = {u.name: u for u in (_user("care"), _user("audit"), _user("old"), _user("claims"), _user("admin", admin=True))}

# (case, principal or None, credentials sent, resource, expected status or None = allowed)
CASES: list[tuple[str, str | None, bool, Resource, int | None]] = [
    ("anonymous-record", None, False, "record", 401),
    ("anonymous-stats", None, False, "ops", 401),
    ("wrong-password", None, True, "record", 401),
    ("owner-reads", "care", False, "record", None),
    ("consumer-on-its-last-day", "audit", False, "record", None),
    ("consumer-expired", "old", False, "record", 403),
    ("no-grant", "claims", False, "record", 403),
    ("admin-reads", "admin", False, "record", None),
    ("no-grant-still-reads-stats", "claims", False, "ops", None),
    ("expired-still-reads-stats", "old", False, "ops", None),
]


@pytest.mark.parametrize(("principal", "sent", "resource", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_check(principal: str | None, sent: bool, resource: Resource, expected: int | None) -> None:
    user = None if principal is None else USERS[principal]
    refusal = check(POLICY, user, sent_credentials=sent or principal is not None, resource=resource, today=TODAY)
    assert (refusal.status if refusal else None) == expected


def test_refusals_say_what_is_wrong_and_what_to_do() -> None:
    anonymous = check(POLICY, None, sent_credentials=False, resource="record", today=TODAY)
    assert anonymous is not None and "need HTTP Basic credentials" in anonymous.error and "curl -u" in anonymous.hint
    forbidden = check(POLICY, USERS["claims"], sent_credentials=True, resource="record", today=TODAY)
    assert forbidden is not None and forbidden.body() == {
        "error": "Forbidden: principal 'claims' holds no grant on care.member_360",
        "hint": forbidden.hint}
    assert "consumers:" in forbidden.hint and "mesh access apply" in forbidden.hint
    expired = check(POLICY, USERS["old"], sent_credentials=True, resource="record", today=TODAY)
    assert expired is not None and "expired on 2026-12-05" in expired.error


def _basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


def test_the_guard_verifies_headers_and_uses_todays_date() -> None:
    days = iter([TODAY, TODAY + dt.timedelta(days=1)])
    guard = ViewGuard(POLICY, USERS, today=lambda: next(days))
    assert guard.refusal(_basic("audit", "audit-pw"), "record") is None  # its last day
    late = guard.refusal(_basic("audit", "audit-pw"), "record")  # the next day
    assert late is not None and late.status == 403
    for header in (None, _basic("care", "wrong"), _basic("nobody", "x"), "Bearer abc", "Basic !!!"):
        refusal = ViewGuard(POLICY, USERS, today=lambda: TODAY).refusal(header, "ops")
        assert refusal is not None and refusal.status == 401, header
