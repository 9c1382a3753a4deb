"""The event shape the member-360 fold reads: a decoded CloudEvent plus the member it was resolved to.

The processor decodes each Kafka message (CloudEvent headers + Avro data) into a `DomainEvent`;
`data` is the Avro record as fastavro decodes it (timestamps as aware UTC datetimes, decimals as
`Decimal`, dates as `date`). Membership events name their member themselves; claims and clinical
events carry only a local ID and get `member_id` from identity resolution (`identity.py`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mesh.core.naming import event_type

MEMBER_ENROLLED = event_type("membership", "MemberEnrolled", 1)
MEMBER_PROFILE_UPDATED = event_type("membership", "MemberProfileUpdated", 1)
MEMBER_COVERAGE_CHANGED = event_type("membership", "MemberCoverageChanged", 1)
MEMBER_DISENROLLED = event_type("membership", "MemberDisenrolled", 1)
MEMBER_IDENTITY_LINKED = event_type("membership", "MemberIdentityLinked", 1)
CLAIM_SUBMITTED = event_type("claims", "ClaimSubmitted", 1)
CLAIM_ADJUDICATED = event_type("claims", "ClaimAdjudicated", 1)
CLAIM_PAID = event_type("claims", "ClaimPaid", 1)
VISIT_COMPLETED = event_type("clinical", "VisitCompleted", 1)

MEMBERSHIP_TYPES = frozenset({MEMBER_ENROLLED, MEMBER_PROFILE_UPDATED, MEMBER_COVERAGE_CHANGED, MEMBER_DISENROLLED})
CLAIM_TYPES = frozenset({CLAIM_SUBMITTED, CLAIM_ADJUDICATED, CLAIM_PAID})
CLINICAL_TYPES = frozenset({VISIT_COMPLETED})

# Which operational system's local ID each event type carries, and in which field.
LOCAL_ID_FIELD: Mapping[str, tuple[str, str]] = {
    **{t: ("claims", "subscriber_id") for t in CLAIM_TYPES},
    **{t: ("clinical", "mrn") for t in CLINICAL_TYPES},
}


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One decoded event: CloudEvent `id`, `type`, `source`, `time`, its Avro `data`, and its member.

    `id` is unique per source (a replay keeps it); `member_id` is None until identity resolution
    has run for events that carry only a local ID.
    """

    id: str
    type: str
    source: str
    time: datetime
    data: Mapping[str, Any]
    member_id: str | None = None

    def for_member(self, member_id: str) -> DomainEvent:
        """A copy of this event resolved to `member_id`."""
        return dataclasses.replace(self, member_id=member_id)

    @property
    def resolved_member_id(self) -> str | None:
        """The member this event belongs to: `member_id` in membership data, else the resolved one."""
        own = self.data.get("member_id")
        return str(own) if own is not None else self.member_id
