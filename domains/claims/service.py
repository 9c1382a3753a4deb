"""The claims domain service: the claims system's records as claim events, keyed by subscriber number.

The claims system knows members only by its subscriber number; linking it to the global member ID is
the membership domain's cross-reference product, not this service's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from domains.service import DomainService, Route
from mesh.core.naming import event_type

SOURCE = "/healthco/claims/claims-system"
CLAIMS = "claims"


class ClaimsService(DomainService):
    """Publishes claims-system records; needs a publisher for `claims`."""

    system = "claims"
    source = SOURCE  # the CloudEvent source the wiring gives this service's producers
    routes: ClassVar[Mapping[str, Route]] = {
        kind: Route(event_type("claims", kind, 1), CLAIMS, "subscriber_id")
        for kind in ("ClaimSubmitted", "ClaimAdjudicated", "ClaimPaid")
    }
