"""JSON-safe encoding of `MemberView` state, for processors that keep views in a table or changelog.

`dump(view)` gives plain dicts, lists, strings and numbers (datetimes and dates as ISO 8601, decimals as
strings, so no precision is lost); `load(dump(view)) == view`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domains.care.member360.view import (
    Adjudication,
    ClaimFacts,
    Coverage,
    Disenrollment,
    Enrollment,
    MemberView,
    Payment,
    Profile,
    Submission,
    Visit,
)

STATE_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _fact(fact: Any) -> dict[str, Any] | None:
    if fact is None:
        return None
    return {name: _plain(getattr(fact, name)) for name in fact.__slots__}


def dump(view: MemberView) -> dict[str, Any]:
    """The view as JSON-safe data."""
    return {
        "v": STATE_VERSION,
        "member_id": view.member_id,
        "updated_at": view.updated_at.isoformat(),
        "enrollment": _fact(view.enrollment),
        "disenrollment": _fact(view.disenrollment),
        "profile": _fact(view.profile),
        "coverage": _fact(view.coverage),
        "claims": {
            cid: {"submission": _fact(c.submission), "adjudication": _fact(c.adjudication), "payment": _fact(c.payment)}
            for cid, c in view.claims.items()
        },
        "visits": {vid: _fact(v) for vid, v in view.visits.items()},
    }


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _opt(data: dict[str, Any] | None, build: Any) -> Any:
    return None if data is None else build(data)


def load(data: dict[str, Any]) -> MemberView:
    """The view `dump` encoded."""
    if data.get("v") != STATE_VERSION:
        raise ValueError(f"Unsupported member view state version {data.get('v')!r}; expected {STATE_VERSION}")
    claims = {
        cid: ClaimFacts(
            claim_id=cid,
            submission=_opt(c["submission"], lambda d: Submission(
                at=_ts(d["at"]), service_date=date.fromisoformat(d["service_date"]), provider_id=d["provider_id"],
                billed_amount=Decimal(d["billed_amount"]), event_id=d["event_id"])),
            adjudication=_opt(c["adjudication"], lambda d: Adjudication(
                at=_ts(d["at"]), outcome=d["outcome"], allowed_amount=Decimal(d["allowed_amount"]),
                event_id=d["event_id"])),
            payment=_opt(c["payment"], lambda d: Payment(
                at=_ts(d["at"]), paid_amount=Decimal(d["paid_amount"]), event_id=d["event_id"])),
        )
        for cid, c in data["claims"].items()
    }
    visits = {
        vid: Visit(visit_id=vid, completed_at=_ts(v["completed_at"]), visit_type=v["visit_type"],
                   provider_id=v["provider_id"], diagnosis_codes=tuple(v["diagnosis_codes"]), event_id=v["event_id"])
        for vid, v in data["visits"].items()
    }
    return MemberView(
        member_id=data["member_id"],
        updated_at=_ts(data["updated_at"]),
        enrollment=_opt(data["enrollment"], lambda d: Enrollment(at=_ts(d["at"]), event_id=d["event_id"])),
        disenrollment=_opt(data["disenrollment"], lambda d: Disenrollment(
            at=_ts(d["at"]), reason=d["reason"], event_id=d["event_id"])),
        profile=_opt(data["profile"], lambda d: Profile(
            given_name=d["given_name"], family_name=d["family_name"], birth_date=date.fromisoformat(d["birth_date"]),
            email=d["email"], postal_code=d["postal_code"], as_of=_ts(d["as_of"]), event_id=d["event_id"])),
        coverage=_opt(data["coverage"], lambda d: Coverage(
            plan_code=d["plan_code"], coverage_tier=d["coverage_tier"],
            effective_date=date.fromisoformat(d["effective_date"]), as_of=_ts(d["as_of"]), event_id=d["event_id"])),
        claims=claims,
        visits=visits,
    )
