"""The membership domain service: the enrollment system's records as member and identity events.

The enrollment system owns the global member ID. Member lifecycle and profile records go to the
`members` product (keyed by member_id); cross-references of member_id to the claims system's
subscriber number and the EHR's medical record number go to the `member_identity` product.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from domains.service import DomainService, Route
from mesh.core.naming import event_type

SOURCE = "/healthco/membership/enrollment"
MEMBERS = "members"
MEMBER_IDENTITY = "member_identity"


class MembershipService(DomainService):
    """Publishes enrollment-system records; needs publishers for `members` and `member_identity`."""

    system = "membership"
    source = SOURCE  # the CloudEvent source the wiring gives this service's producers
    routes: ClassVar[Mapping[str, Route]] = {
        kind: Route(event_type("membership", kind, 1), MEMBERS, "member_id")
        for kind in ("MemberEnrolled", "MemberProfileUpdated", "MemberCoverageChanged", "MemberDisenrolled")
    } | {"MemberIdentityLinked": Route(event_type("membership", "MemberIdentityLinked", 1), MEMBER_IDENTITY, "member_id")}
