"""ACLs derived from descriptors: owners write, granted consumers read until expiry, processors get prefixes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from mesh.clients.acl import Acl
from mesh.products.access import desired_grants, grants_for, plan_access, principals, view_readers
from mesh.products.descriptor import ProductDescriptor

ROOT = Path(__file__).resolve().parents[3]
CLAIMS: dict[str, Any] = yaml.safe_load((ROOT / "domains/claims/products/claims.yaml").read_text())
TODAY = dt.date(2026, 12, 5)
TOPIC, DLQ = "prod.claims.claims.v1", "prod.claims.claims.v1.dlq"


def claims(**changes: Any) -> ProductDescriptor:
    return ProductDescriptor.model_validate({**CLAIMS, "consumers": [], **changes})


def grant(principal: str = "care", expires: str | None = "2027-06-30", purpose: str | None = "member-360 views") -> dict[str, Any]:
    entry: dict[str, Any] = {"principal": principal, "team": principal}
    if expires is not None:
        entry["expires"] = expires
    if purpose is not None:
        entry["purpose"] = purpose
    return entry


def acls(descriptor: ProductDescriptor, today: dt.date = TODAY) -> set[Acl]:
    return {g.acl for g in grants_for(descriptor, file="claims.yaml", today=today)}


def test_the_owner_writes_its_topic_and_nobody_else_reads_without_a_grant() -> None:
    found = acls(claims())
    assert Acl("User:claims", "topic", TOPIC, "write") in found
    assert {a.principal for a in found} == {"User:claims"}


def test_a_consumer_grant_gives_read_its_team_groups_and_the_dlq_until_it_expires() -> None:
    granted = claims(consumers=[grant()])
    found = acls(granted)
    assert {Acl("User:care", "topic", TOPIC, "read"), Acl("User:care", "group", "care", "read", "prefixed"),
            Acl("User:care", "topic", DLQ, "write")} <= found
    assert Acl("User:care", "topic", TOPIC, "write") not in found
    assert not {a for a in acls(granted, dt.date(2027, 7, 1)) if a.principal == "User:care"}  # expired


@pytest.mark.parametrize("missing", ["purpose", "expires"])
def test_a_grant_on_phi_data_without_purpose_or_expiry_is_refused(missing: str) -> None:
    entry = grant(**{missing: None})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=f"needs {missing}"):
        claims(consumers=[entry])


def test_a_processor_gets_prefixed_rights_on_its_engines_names() -> None:
    care = yaml.safe_load((ROOT / "domains/care/products/member_360.yaml").read_text())
    descriptor = ProductDescriptor.model_validate({**care, "processor": {"app_id": "member360"}})
    found = acls(descriptor)
    owner = f"User:{descriptor.owner_principal}"
    assert {Acl(owner, "transactional_id", "member360", "all", "prefixed"),
            Acl(owner, "topic", "changelog__member360", "all", "prefixed"),
            Acl(owner, "topic", "repartition__member360", "all", "prefixed"),
            Acl(owner, "group", "member360", "read", "prefixed")} <= found


def test_apply_plans_additions_and_removes_only_managed_acls() -> None:
    granted = claims(consumers=[grant()])
    desired = desired_grants([(granted, "claims.yaml")], today=dt.date(2027, 7, 1))  # care's grant expired
    stale = Acl("User:care", "topic", TOPIC, "read")
    foreign = Acl("User:other-tool", "topic", "elsewhere", "read")
    plan = plan_access([granted], desired, [stale, foreign])
    assert stale in plan.remove and foreign not in plan.remove
    assert {g.acl for g in plan.add} == {g.acl for g in desired}
    assert plan_access([granted], desired, [g.acl for g in desired]).is_noop
    assert principals([granted]) == ["care", "claims"]
    assert all(g.source.startswith("claims.yaml") for g in desired)


def test_view_readers_are_the_owner_and_every_consumer_with_its_expiry() -> None:
    readers = view_readers(claims(consumers=[grant("care"), grant("audit", expires="2026-01-31")]))
    assert readers == {"claims": None, "care": dt.date(2027, 6, 30), "audit": dt.date(2026, 1, 31)}
